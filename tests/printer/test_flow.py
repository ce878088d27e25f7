"""Flow control: how much may be in flight."""

from __future__ import annotations

from edge.gcode.commands import LineKind
from edge.printer.flow import FlowControl, FlowMode

MOVE, INSTANT, BLOCKING = LineKind.MOVE, LineKind.INSTANT, LineKind.WAIT


class Sent:
    """Lines of 30 bytes; all moves unless told which are blocking."""

    def __init__(self, blocking: frozenset[int] = frozenset()) -> None:
        self.waits = blocking

    def blocking(self, first: int, end: int) -> int:
        return sum(1 for n in range(first, end) if n in self.waits)

    def moves(self, first: int, end: int) -> int:
        return sum(1 for n in range(first, end) if n not in self.waits)

    def size(self, first: int, end: int) -> int:
        return 30 * max(0, end - first)


def may(flow: FlowControl, acked: int, send_ptr: int, kind: LineKind = MOVE, sent: Sent | None = None) -> bool:
    return flow.may_send(acked, send_ptr, sent or Sent(), 30, kind)


def test_ping_pong_sends_one_line_at_a_time() -> None:
    flow = FlowControl(max_lines=1, rx_buffer_size=128, clean_lines_to_widen=10)
    assert flow.mode is FlowMode.PING_PONG
    assert may(flow, 4, 5)
    assert not may(flow, 4, 6)


def test_character_counting_keeps_unacknowledged_bytes_within_the_rx_buffer() -> None:
    flow = FlowControl(max_lines=32, rx_buffer_size=128, clean_lines_to_widen=10)
    assert may(flow, 0, 4)  # 3 lines of 30 bytes in flight + 30 = 120 <= 128
    assert not may(flow, 0, 5)  # 150 > 128


def test_advanced_ok_discounts_lines_already_in_the_command_queue() -> None:
    flow = FlowControl(max_lines=32, rx_buffer_size=128, clean_lines_to_widen=10)
    flow.note_advanced_ok(10, planner_free=0, queue_free=3)  # idle queue: 3 free besides the acked line
    flow.note_advanced_ok(10, planner_free=0, queue_free=0)  # lines 11..13 sit in the queue, out of RX
    assert may(flow, 10, 17)  # 14, 15, 16 + new = 120
    assert not may(flow, 10, 18)


def test_free_planner_blocks_allow_more_than_the_rx_buffer() -> None:
    flow = FlowControl(max_lines=32, rx_buffer_size=128, clean_lines_to_widen=10)
    flow.note_advanced_ok(10, planner_free=15, queue_free=3)
    assert may(flow, 10, 24)  # 13 moves in flight + 1 new <= 15 - 1 free blocks
    assert not may(flow, 10, 25)  # 15 moves would fill the planner: back to counting bytes


def test_a_blocking_command_in_flight_means_counting_bytes_again() -> None:
    flow = FlowControl(max_lines=32, rx_buffer_size=128, clean_lines_to_widen=10)
    flow.note_advanced_ok(10, planner_free=15, queue_free=3)
    assert not may(flow, 10, 15, MOVE, Sent(frozenset({11})))  # 4 in flight + 1 = 150 bytes > 128
    assert not may(flow, 10, 15, BLOCKING)  # the same when the new line is the one that blocks
    assert may(flow, 10, 14, BLOCKING)  # 120 bytes fit


def test_stale_ok_information_is_not_used() -> None:
    flow = FlowControl(max_lines=32, rx_buffer_size=128, clean_lines_to_widen=10)
    flow.note_advanced_ok(10, planner_free=15, queue_free=3)
    assert not may(flow, 11, 16)  # line 11 was acknowledged some other way: fall back to counting


def test_error_falls_back_to_ping_pong_and_clean_lines_widen_again() -> None:
    flow = FlowControl(max_lines=8, rx_buffer_size=128, clean_lines_to_widen=5)
    flow.fall_back()
    assert flow.mode is FlowMode.PING_PONG and flow.fallbacks == 1
    flow.note_clean(4)
    assert flow.mode is FlowMode.PING_PONG
    flow.note_clean(1)
    assert flow.mode is FlowMode.WINDOW


def test_window_never_exceeds_max_lines() -> None:
    flow = FlowControl(max_lines=2, rx_buffer_size=10_000, clean_lines_to_widen=5)
    assert may(flow, 0, 2)
    assert not may(flow, 0, 3)

"""Flow control: how much may be in flight."""

from __future__ import annotations

from edge.gcode.commands import LineKind
from edge.printer.flow import FlowControl, FlowMode, Overcommit

MOVE, INSTANT, BLOCKING = LineKind.MOVE, LineKind.INSTANT, LineKind.WAIT


class Sent:
    """Lines of 30 bytes; all moves unless told which are blocking."""

    def __init__(self, blocking: frozenset[int] = frozenset()) -> None:
        self.waits = blocking

    def blocking(self, first: int, end: int) -> int:
        return sum(1 for n in range(first, end) if n in self.waits)

    def holds(self, first: int, end: int) -> int:
        return self.blocking(first, end)

    def moves(self, first: int, end: int) -> int:
        return sum(1 for n in range(first, end) if n not in self.waits)

    def size(self, first: int, end: int) -> int:
        return 30 * max(0, end - first)


def may(flow: FlowControl, acked: int, send_ptr: int, kind: LineKind = MOVE, sent: Sent | None = None) -> bool:
    return flow.may_send(acked, send_ptr, sent or Sent(), 30, kind)


def flow_control(
    max_lines: int = 32, rx: int = 128, widen: int = 10, *, most: int = 12800, overcommit: Overcommit = Overcommit.OFF
) -> FlowControl:
    return FlowControl(
        max_lines=max_lines, rx_buffer_size=rx, clean_lines_to_widen=widen, max_clean_lines=most, overcommit=overcommit
    )


def test_ping_pong_sends_one_line_at_a_time() -> None:
    flow = flow_control(max_lines=1)
    assert flow.mode is FlowMode.PING_PONG
    assert may(flow, 4, 5)
    assert not may(flow, 4, 6)


def test_unread_bytes_in_flight_never_exceed_the_rx_ring_less_its_free_slot() -> None:
    flow = flow_control(rx=121)
    assert may(flow, 0, 4)  # 3 lines of 30 bytes in flight + 30 = 120 <= 121 - 1
    flow = flow_control(rx=120)
    assert not may(flow, 0, 4)  # 120 > 119: Marlin's ring keeps one byte free


def test_advanced_ok_discounts_lines_already_in_the_command_queue() -> None:
    flow = flow_control(rx=128)
    flow.note_advanced_ok(10, planner_free=0, queue_free=3)  # idle queue: 3 free besides the acked line
    flow.note_advanced_ok(10, planner_free=0, queue_free=0)  # lines 11..13 sit in the queue, out of RX
    assert may(flow, 10, 17)  # 14, 15, 16 + new = 120
    assert not may(flow, 10, 18)


def test_free_planner_blocks_never_count_as_rx_room_by_default() -> None:
    flow = flow_control()
    flow.note_advanced_ok(10, planner_free=15, queue_free=3)
    assert not may(flow, 10, 15)  # 4 in flight + 1 = 150 bytes > 127, however free the planner


def test_overcommit_on_counts_free_planner_blocks() -> None:
    flow = flow_control(overcommit=Overcommit.ON)
    flow.note_advanced_ok(10, planner_free=15, queue_free=3)
    assert may(flow, 10, 24)  # 13 moves in flight + 1 new <= 15 - 1 free blocks
    assert not may(flow, 10, 25)  # 15 moves would fill the planner: back to counting bytes


def test_adaptive_overcommit_switches_itself_off_at_the_first_line_error() -> None:
    flow = flow_control(overcommit=Overcommit.ADAPTIVE)
    flow.note_advanced_ok(10, planner_free=15, queue_free=3)
    assert may(flow, 10, 20)
    flow.trip_overcommit()
    assert not may(flow, 10, 20)


def test_a_wait_or_an_arc_means_counting_bytes_again() -> None:
    flow = flow_control(overcommit=Overcommit.ON)
    flow.note_advanced_ok(10, planner_free=15, queue_free=3)
    assert not may(flow, 10, 15, BLOCKING)  # 4 in flight + 1 = 150 bytes > 127 when the new line waits
    assert not may(flow, 10, 15, LineKind.ARC)  # an arc takes an unknown number of blocks
    assert may(flow, 10, 14, BLOCKING)  # 120 bytes fit


def test_nothing_is_sent_after_a_wait_until_it_is_answered() -> None:
    flow = flow_control(overcommit=Overcommit.ON)
    assert not may(flow, 10, 12, MOVE, Sent(frozenset({11})))
    assert may(flow, 11, 12, MOVE, Sent(frozenset({11})))


def test_stale_ok_information_is_not_used() -> None:
    flow = flow_control(overcommit=Overcommit.ON)
    flow.note_advanced_ok(10, planner_free=15, queue_free=3)
    assert not may(flow, 11, 16)  # line 11 was acknowledged some other way: fall back to counting


def test_error_falls_back_to_ping_pong_and_clean_lines_widen_again() -> None:
    flow = flow_control(max_lines=8, widen=5)
    assert flow.fall_back()
    assert flow.mode is FlowMode.PING_PONG and flow.failed_widenings == 1
    flow.note_clean(4)
    assert flow.mode is FlowMode.PING_PONG
    flow.note_clean(1)
    assert flow.mode is FlowMode.WINDOW


def test_each_failed_widening_doubles_the_clean_run_needed_then_the_job_stays_ping_pong() -> None:
    flow = flow_control(max_lines=8, widen=200, most=800)
    needed = []
    for _ in range(3):
        assert flow.fall_back()
        needed.append(flow.required)
        flow.note_clean(flow.required)
        assert flow.mode is FlowMode.WINDOW
    assert needed == [200, 400, 800]
    flow.fall_back()
    assert flow.noisy
    flow.note_clean(100_000)
    assert flow.mode is FlowMode.PING_PONG, "a clearly noisy link stays ping-pong for the rest of the job"
    flow.start_job()
    flow.note_clean(200)
    assert flow.mode is FlowMode.WINDOW, "a new job starts from the base requirement again"


def test_an_error_while_already_ping_pong_does_not_raise_the_requirement() -> None:
    flow = flow_control(max_lines=8, widen=200)
    flow.fall_back()
    flow.fall_back()
    assert flow.required == 200 and flow.failed_widenings == 1


def test_window_never_exceeds_max_lines() -> None:
    flow = flow_control(max_lines=2, rx=10_000)
    assert may(flow, 0, 2)
    assert not may(flow, 0, 3)

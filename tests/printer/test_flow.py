"""Flow control: how much may be in flight."""

from __future__ import annotations

from edge.printer.flow import FlowControl, FlowMode


def _sizes(n: int) -> int:
    return 30


def test_ping_pong_sends_one_line_at_a_time() -> None:
    flow = FlowControl(max_lines=1, rx_buffer_size=128, clean_lines_to_widen=10)
    assert flow.mode is FlowMode.PING_PONG
    assert flow.may_send(acked=4, send_ptr=5, size_of=_sizes, next_size=30)
    assert not flow.may_send(acked=4, send_ptr=6, size_of=_sizes, next_size=30)


def test_character_counting_keeps_unacknowledged_bytes_within_the_rx_buffer() -> None:
    flow = FlowControl(max_lines=32, rx_buffer_size=128, clean_lines_to_widen=10)
    # 3 lines of 30 bytes in flight + 30 more = 120 <= 128
    assert flow.may_send(acked=0, send_ptr=4, size_of=_sizes, next_size=30)
    # 4 in flight + 1 = 150 > 128
    assert not flow.may_send(acked=0, send_ptr=5, size_of=_sizes, next_size=30)


def test_advanced_ok_discounts_lines_already_in_the_command_queue() -> None:
    flow = FlowControl(max_lines=32, rx_buffer_size=128, clean_lines_to_widen=10)
    flow.note_advanced_ok(10, queue_free=4)  # idle: 4 free slots
    flow.note_advanced_ok(10, queue_free=0)  # lines 11..14 sit in the queue, out of RX
    assert flow.may_send(acked=10, send_ptr=18, size_of=_sizes, next_size=30)  # 15,16,17 + new = 120
    assert not flow.may_send(acked=10, send_ptr=19, size_of=_sizes, next_size=30)


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
    assert flow.may_send(acked=0, send_ptr=2, size_of=_sizes, next_size=30)
    assert not flow.may_send(acked=0, send_ptr=3, size_of=_sizes, next_size=30)

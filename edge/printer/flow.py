"""Flow control: how many framed lines may be in flight without overrunning the firmware."""

from __future__ import annotations

import enum
from collections.abc import Callable


class FlowMode(enum.StrEnum):
    """Ping-pong keeps one line in flight; window keeps the firmware's buffers fed."""

    PING_PONG = "ping-pong"
    WINDOW = "window"


class LineKind(enum.Enum):
    """How a command occupies the firmware: a planner block, nothing lasting, or a wait."""

    MOVE = "move"
    INSTANT = "instant"
    BLOCKING = "blocking"


class FlowControl:
    """Decides whether one more line may go on the wire, and falls back to ping-pong after errors.

    Character counting keeps the bytes that may still sit in the firmware's RX buffer within
    rx_buffer_size. With ADVANCED_OK the last `ok N<k> P<p> B<b>` says more: lines already moved into the
    command queue no longer occupy RX, and while every line in flight is a move or an instant command and
    the moves fit in the p free planner blocks, the firmware cannot block, so it drains RX as fast as
    bytes arrive and the window may hold more than the RX buffer.
    """

    def __init__(self, *, max_lines: int, rx_buffer_size: int, clean_lines_to_widen: int) -> None:
        self.max_lines = max_lines
        self.rx_buffer_size = rx_buffer_size
        self.clean_lines_to_widen = clean_lines_to_widen
        self.mode = FlowMode.WINDOW if max_lines > 1 else FlowMode.PING_PONG
        self.clean_run = 0
        self.fallbacks = 0
        self.advanced = False
        self._last_ok_number = -1
        self._last_queue_free = 0
        self._last_planner_free = 0
        self._max_queue_free = 0

    def note_advanced_ok(self, number: int, planner_free: int | None, queue_free: int | None) -> None:
        """Remember what an `ok N.. P.. B..` said about the firmware's planner and command queue."""
        self.advanced = True
        if queue_free is not None and planner_free is not None:
            self._last_ok_number = number
            self._last_queue_free = queue_free
            self._last_planner_free = planner_free
            self._max_queue_free = max(self._max_queue_free, queue_free)

    @property
    def planner_free(self) -> int:
        """Free planner blocks at the last ADVANCED_OK answer (0 when unknown)."""
        return self._last_planner_free if self.advanced else 0

    def fall_back(self) -> None:
        """An error or resend was seen: one line at a time until the link proves clean."""
        if self.mode is FlowMode.WINDOW:
            self.fallbacks += 1
        self.mode = FlowMode.PING_PONG
        self.clean_run = 0
        self._last_ok_number = -1

    def note_clean(self, lines: int) -> None:
        """Lines were acknowledged without trouble; widen again after enough of them."""
        self.clean_run += lines
        if self.mode is FlowMode.PING_PONG and self.max_lines > 1 and self.clean_run >= self.clean_lines_to_widen:
            self.mode = FlowMode.WINDOW

    def may_send(
        self,
        acked: int,
        send_ptr: int,
        size_of: Callable[[int], int],
        kind_of: Callable[[int], LineKind],
        next_size: int,
        next_kind: LineKind,
    ) -> bool:
        """Whether line `send_ptr` may be sent while lines acked+1 .. send_ptr-1 are in flight."""
        in_flight = send_ptr - 1 - acked
        if in_flight <= 0:
            return True
        if self.mode is FlowMode.PING_PONG or in_flight >= self.max_lines:
            return False
        knows_firmware = self.advanced and self._last_ok_number == acked
        if knows_firmware and self._cannot_block(acked, send_ptr, kind_of, next_kind):
            return True
        first_in_rx = acked + 1
        if knows_firmware:
            queued = self._max_queue_free - self._last_queue_free
            first_in_rx += queued
        used = next_size
        for number in range(first_in_rx, send_ptr):
            used += size_of(number)
            if used > self.rx_buffer_size:
                return False
        return True

    def _cannot_block(self, acked: int, send_ptr: int, kind_of: Callable[[int], LineKind], next_kind: LineKind) -> bool:
        moves = 1 if next_kind is LineKind.MOVE else 0
        if next_kind is LineKind.BLOCKING:
            return False
        for number in range(acked + 1, send_ptr):
            kind = kind_of(number)
            if kind is LineKind.BLOCKING:
                return False
            moves += kind is LineKind.MOVE
        # One block of margin: the acknowledged line's own block may not be counted in P yet.
        return moves <= self._last_planner_free - 1

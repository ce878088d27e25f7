"""Flow control: how many framed lines may be in flight without overrunning the firmware."""

from __future__ import annotations

import enum
from typing import Protocol

from edge.gcode.commands import LineKind


class FlowMode(enum.StrEnum):
    """Ping-pong keeps one line in flight; window keeps the firmware's buffers fed."""

    PING_PONG = "ping-pong"
    WINDOW = "window"


class InFlight(Protocol):
    """What flow control needs to know about the lines numbered [first, end) that were sent."""

    def moves(self, first: int, end: int) -> int:
        """How many of them are single-block moves."""

    def blocking(self, first: int, end: int) -> int:
        """How many of them may keep the firmware busy."""

    def size(self, first: int, end: int) -> int:
        """Their bytes on the wire."""


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

    def may_send(self, acked: int, send_ptr: int, sent: InFlight, next_size: int, next_kind: LineKind) -> bool:
        """Whether line `send_ptr` may be sent while lines acked+1 .. send_ptr-1 are in flight."""
        in_flight = send_ptr - 1 - acked
        if in_flight <= 0:
            return True
        if self.mode is FlowMode.PING_PONG or in_flight >= self.max_lines:
            return False
        knows_firmware = self.advanced and self._last_ok_number == acked
        first = acked + 1
        if knows_firmware and not next_kind.may_block and not sent.blocking(first, send_ptr):
            moves = sent.moves(first, send_ptr) + (next_kind is LineKind.MOVE)
            # One block of margin: the acknowledged line's own block may not be counted in P yet.
            if moves <= self._last_planner_free - 1:
                return True
        if knows_firmware:
            first += self._max_queue_free - self._last_queue_free
        return sent.size(first, send_ptr) + next_size <= self.rx_buffer_size

"""Flow control: how many framed lines may be in flight without overrunning the firmware."""

from __future__ import annotations

import enum
from collections.abc import Callable


class FlowMode(enum.StrEnum):
    """Ping-pong keeps one line in flight; window keeps the firmware's buffers fed."""

    PING_PONG = "ping-pong"
    WINDOW = "window"


class FlowControl:
    """Decides whether one more line may go on the wire, and falls back to ping-pong after errors."""

    def __init__(self, *, max_lines: int, rx_buffer_size: int, clean_lines_to_widen: int) -> None:
        self.max_lines = max_lines
        self.rx_buffer_size = rx_buffer_size
        self.clean_lines_to_widen = clean_lines_to_widen
        self.mode = FlowMode.WINDOW if max_lines > 1 else FlowMode.PING_PONG
        self.clean_run = 0
        self.fallbacks = 0
        # ADVANCED_OK bookkeeping: last acknowledged line and the queue slots it said were free.
        self.advanced = False
        self._last_ok_number = 0
        self._last_queue_free = 0
        self._max_queue_free = 0

    def note_advanced_ok(self, number: int, queue_free: int | None) -> None:
        """Remember what an `ok N.. B..` said about the firmware's command queue."""
        self.advanced = True
        if queue_free is not None:
            self._last_ok_number = number
            self._last_queue_free = queue_free
            self._max_queue_free = max(self._max_queue_free, queue_free)

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

    def may_send(self, acked: int, send_ptr: int, size_of: Callable[[int], int], next_size: int) -> bool:
        """Whether line `send_ptr` (of next_size bytes) may be sent while lines acked+1..send_ptr-1 fly."""
        in_flight = send_ptr - 1 - acked
        if in_flight <= 0:
            return True
        if self.mode is FlowMode.PING_PONG or in_flight >= self.max_lines:
            return False
        first_in_rx = acked + 1
        if self.advanced and self._last_ok_number >= acked:
            # Lines the firmware had already moved into its command queue no longer occupy RX.
            queued = self._max_queue_free - self._last_queue_free
            first_in_rx = max(first_in_rx, self._last_ok_number + queued + 1)
        used = next_size
        for number in range(first_in_rx, send_ptr):
            used += size_of(number)
            if used > self.rx_buffer_size:
                return False
        return True

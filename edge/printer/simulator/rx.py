"""Marlin's serial RX ring and line buffer: bytes in, complete lines out, overflow, damage and drains tracked."""

from __future__ import annotations

from collections import deque

from edge.printer.simulator.settings import SimulatorStats
from edge.printer.simulator.wire import EOL

_EOL_BYTES = (10, 13)


class RxBuffer:
    """Received bytes the firmware has not turned into lines yet, bounded while it is not reading."""

    def __init__(self, size: int, stats: SimulatorStats) -> None:
        self.size = size
        self.stats = stats
        self.reset()

    def reset(self) -> None:
        """Empty, as after power-on."""
        self.data = bytearray()
        self.base = 0  # stream offset of data[0]
        self.line_buf = 0  # leading bytes of data already read into Marlin's line buffer (not in the ring)
        self.marks: deque[int] = deque()  # stream offsets of damaged bytes still in data
        self.gap = False  # bytes were lost to overflow: the next accepted byte starts a damaged stretch
        self.carry = False  # the last line ended at a corrupted EOL: the next line is damaged
        self.cut = False  # a drain threw away the beginning of a line: the next line is a fragment
        self.backlog = False  # a complete line may be waiting in data

    def put(self, data: bytes, hits: list[int], reading: bool) -> None:
        """Bytes that arrived: read at once while the firmware reads, else kept while the ring has room."""
        size = len(data)
        rx = self.data
        base = self.base + len(rx)
        accepted = size if reading else max(0, min(size, self.size - (len(rx) - self.line_buf)))
        if accepted:
            if self.gap:
                self.marks.append(base)
                self.gap = False
            chunk = data if accepted == size else data[:accepted]
            rx += chunk
            if hits:
                self.marks.extend(base + hit for hit in hits if hit < accepted)
            if reading:
                self.line_buf = len(rx)
            if not self.backlog and (b"\n" in chunk or b"\r" in chunk):
                self.backlog = True
        if accepted < size:
            self.stats.rx_overflows += size - accepted
            self.gap = True

    def next_line(self) -> tuple[bytes, bool, bool] | None:
        """The next complete line without its EOL, whether it is damaged and whether it is a fragment."""
        rx = self.data
        match = EOL.search(rx)
        if match is None:
            self.line_buf = len(rx)
            self.backlog = False
            return None
        end = match.start()
        raw = bytes(rx[:end])
        del rx[: end + 1]
        eol = self.base + end
        self.base = eol + 1
        self.line_buf = max(0, self.line_buf - end - 1)
        damaged, self.carry = self.carry, False
        marks = self.marks
        while marks and marks[0] <= eol:
            # A byte corrupted into an EOL splits a line: the fragment after it is damaged too.
            self.carry = marks.popleft() == eol
            damaged = True
        fragment, self.cut = self.cut, False
        return raw, damaged, fragment

    def drain(self) -> None:
        """Throw away everything received (Marlin's gcode_line_error); a line cut in two leaves a fragment."""
        rx = self.data
        self.cut = bool(rx) and rx[-1] not in _EOL_BYTES
        self.base += len(rx)
        rx.clear()
        self.line_buf = 0
        self.marks.clear()
        self.gap = self.carry = self.backlog = False

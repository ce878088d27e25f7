"""The serial wire a pty does not have: baud pacing, adapter latency, byte corruption, the pty itself."""

from __future__ import annotations

import math
import os
import random
import re
import tty
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

INF = math.inf
EOL = re.compile(rb"[\r\n]")
# Marlin's emergency parser accepts "[N<digits>] M112|M108|M410" at the start of a line and acts at its EOL.
_EMERGENCY = re.compile(rb" *(?:N[-0-9 ]*)?M *(112|108|410)")
_EMERGENCY_HINTS = (b"112", b"108", b"410")
_LINE_HEAD = 64  # bytes of the current line the emergency scanner keeps across reads


def byte_time(baud: int) -> float:
    """Seconds one byte takes on the wire (8N1: ten bit times), 0 when unpaced."""
    return 10.0 / baud if baud > 0 else 0.0


class Corrupter:
    """Flips one random bit in a seeded random fraction of bytes, drawing only per corrupted byte."""

    def __init__(self, rate: float, rng: random.Random) -> None:
        self.rate = min(max(rate, 0.0), 1.0)
        self._rng = rng
        self._skip = self._gap() if self.rate > 0.0 else 0

    def _gap(self) -> int:
        """Clean bytes before the next corrupted one (geometric distribution)."""
        if self.rate >= 1.0:
            return 0
        return int(math.log1p(-self._rng.random()) / math.log1p(-self.rate))

    def apply(self, data: bytes) -> tuple[bytes, list[int]]:
        """The bytes as they arrive and the positions that were corrupted."""
        if self.rate <= 0.0:
            return data, []
        size = len(data)
        index = self._skip
        if index >= size:
            self._skip = index - size
            return data, []
        buf = bytearray(data)
        hits: list[int] = []
        while index < size:
            buf[index] ^= 1 << self._rng.randrange(8)
            hits.append(index)
            index += 1 + self._gap()
        self._skip = index - size
        return bytes(buf), hits


@dataclass(slots=True)
class Emergency:
    """A line the emergency parser acts on: M112 (kill), M108 (stop waiting), M410 (quickstop)."""

    at: float  # arrival of the line's EOL, when Marlin acts
    first: float  # arrival of the line's first byte
    kind: bytes
    line: bytes = b""  # the line as scanned (a dialect may be stricter about what follows the code)


@dataclass(slots=True)
class _Segment:
    """Bytes read in one go from the pty; byte k arrives at t0 + (k + 1) * bt."""

    t0: float
    bt: float
    data: bytes
    hits: list[int]
    pos: int = 0
    hit_pos: int = 0

    def arrival(self, index: int) -> float:
        """When byte `index` has fully arrived at the firmware."""
        return self.t0 + (index + 1) * self.bt

    def arrived(self, t: float) -> int:
        """How many bytes of the segment have arrived by time t."""
        if self.bt <= 0.0:
            return len(self.data) if t >= self.t0 else 0
        count = math.floor((t - self.t0) / self.bt + 1e-6)
        return min(max(count, 0), len(self.data))


@dataclass
class InputWire:
    """Host-to-printer direction: what has arrived at the firmware by a given time."""

    baud: int
    latency: float
    corrupter: Corrupter
    parser: bool = True  # Marlin's emergency parser watches the bytes as they arrive
    emergencies: deque[Emergency] = field(default_factory=deque)
    _segments: deque[_Segment] = field(default_factory=deque)
    _last: float = -INF
    _eol: float | None = None
    _head: bytes = b""
    _head_first: float = 0.0

    def feed(self, data: bytes, now: float) -> int:
        """Bytes read from the pty at `now`; returns how many of them were corrupted."""
        data, hits = self.corrupter.apply(data)
        bt = byte_time(self.baud)
        start = max(now + self.latency, self._last) if bt > 0.0 else max(now, self._last)
        segment = _Segment(start, bt, data, hits)
        self._last = segment.arrival(len(data) - 1)
        if self.parser:
            self._scan(segment)
        self._segments.append(segment)
        if self._eol == INF:
            self._eol = None
        return len(hits)

    def pending(self) -> bool:
        """Whether bytes are still on the wire."""
        return bool(self._segments)

    def last_arrival(self) -> float:
        """When the last byte on the wire arrives (-inf when none)."""
        return self._last if self._segments else -INF

    def first_arrival(self) -> float:
        """When the next byte on the wire arrives (inf when none)."""
        if not self._segments:
            return INF
        head = self._segments[0]
        return head.arrival(head.pos)

    def next_eol(self) -> float:
        """When the next end-of-line byte on the wire arrives (inf when none)."""
        if self._eol is None:
            self._eol = INF
            for segment in self._segments:
                match = EOL.search(segment.data, segment.pos)
                if match is not None:
                    self._eol = segment.arrival(match.start())
                    break
        return self._eol

    def take(self, t: float) -> tuple[bytes, list[int]]:
        """Remove and return the bytes that arrived by time t, with the positions of corrupted ones."""
        parts: list[bytes] = []
        hits: list[int] = []
        offset = 0
        segments = self._segments
        while segments:
            segment = segments[0]
            end = segment.arrived(t)
            if end <= segment.pos:
                break
            start = segment.pos
            parts.append(segment.data[start:end])
            seg_hits = segment.hits
            while segment.hit_pos < len(seg_hits) and seg_hits[segment.hit_pos] < end:
                hits.append(offset + seg_hits[segment.hit_pos] - start)
                segment.hit_pos += 1
            offset += end - start
            segment.pos = end
            if end < len(segment.data):
                break
            segments.popleft()
        self._eol = None
        if len(parts) == 1:
            return parts[0], hits
        return b"".join(parts), hits

    def next_emergency(self) -> float:
        """When the next emergency-parser line completes (inf when none)."""
        return self.emergencies[0].at if self.emergencies else INF

    def restart(self, t: float) -> None:
        """Firmware reboot at t: bytes that arrived before are gone, the emergency parser starts afresh."""
        self.take(t)
        while self.emergencies and self.emergencies[0].at <= t:
            self.emergencies.popleft()
        self._head = b""

    def clear(self) -> None:
        """Forget everything on the wire (cable pulled)."""
        self._segments.clear()
        self.emergencies.clear()
        self._last = -INF
        self._eol = None
        self._head = b""

    def _scan(self, segment: _Segment) -> None:
        """Run Marlin's emergency parser over the bytes as they will arrive."""
        data = segment.data
        joined = self._head + data
        shift = len(self._head)
        first = self._head_first if self._head else segment.arrival(0)
        if not any(hint in joined for hint in _EMERGENCY_HINTS):
            last = max(data.rfind(b"\n"), data.rfind(b"\r"))
            if last < 0:
                self._head = joined[:_LINE_HEAD]
                self._head_first = first
            else:
                self._head = data[last + 1 : last + 1 + _LINE_HEAD]
                self._head_first = segment.arrival(last + 1)
            return
        start = 0
        for match in EOL.finditer(joined, shift):
            end = match.start()
            line = joined[start:end]
            if any(hint in line for hint in _EMERGENCY_HINTS):
                found = _EMERGENCY.match(line)
                if found is not None:
                    self.emergencies.append(Emergency(segment.arrival(end - shift), first, found.group(1), line))
            start = end + 1
            first = segment.arrival(start - shift)
        self._head = joined[start : start + _LINE_HEAD]
        self._head_first = first


@dataclass
class OutputWire:
    """Printer-to-host direction: when a reply becomes visible to the host."""

    baud: int
    latency: float
    corrupter: Corrupter
    end: float = -INF  # when the last byte handed to the wire has left the UART (-inf: unpaced or idle)

    def send(self, data: bytes, t: float) -> tuple[float, bytes, int]:
        """Visible time, the bytes as the host gets them, and how many were corrupted."""
        data, hits = self.corrupter.apply(data)
        bt = byte_time(self.baud)
        if bt <= 0.0:
            return t, data, len(hits)
        self.end = max(t, self.end) + len(data) * bt
        return self.end + self.latency, data, len(hits)

    def clear(self) -> None:
        """Nothing is on the wire any more."""
        self.end = -INF


def open_pty() -> tuple[int, int, str]:
    """A raw pseudo-terminal: (master fd, slave fd, slave path), both non-blocking."""
    master, slave = os.openpty()
    try:
        tty.setraw(slave)
        os.set_blocking(master, False)
        os.set_blocking(slave, False)
        path = os.ttyname(slave)
    except OSError:
        os.close(master)
        os.close(slave)
        raise
    return master, slave, path


def replace_link(link: Path, target: str) -> None:
    """Atomically point the symlink `link` at `target` (blocking: run it in a thread)."""
    link.parent.mkdir(parents=True, exist_ok=True)
    temp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    if temp.is_symlink() or temp.exists():
        temp.unlink()
    os.symlink(target, temp)
    os.replace(temp, link)


def remove_link(link: Path, target: str) -> None:
    """Remove the symlink `link` if it still points at `target` (blocking: run it in a thread)."""
    if link.is_symlink() and os.readlink(link) == target:
        link.unlink()

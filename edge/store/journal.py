"""The recovery journal: the newest recovery point of the running job, written at every finished line.

A SQLite commit per line would cost an fsync each. Instead the point goes into a small memory-mapped file:
two slots written in turn, each with a sequence number and a CRC, so a torn write leaves the other slot
valid. A write is a memory copy (it never blocks the event loop); the pages survive a crash of the process
at once, and a power cut once they are synced, which happens every recovery interval in a thread (the
database keeps its own, fsynced point at every layer change as well).
"""

from __future__ import annotations

import asyncio
import mmap
import os
import struct
import zlib
from pathlib import Path
from typing import Any

from edge.store.records import RecoveryPoint

JOURNAL_NAME = "recovery.journal"
_MAGIC = b"PEJ1"
_SLOT = 256
_SIZE = 2 * _SLOT
# seq, job_id, line_index, byte_offset, layer, x, y, z, e, feedrate, hotend, bed, fan, speed %, flow %,
# absolute_e, created_at
_RECORD = struct.Struct("<4sQqqqq10d?d")
_CRC = struct.Struct("<I")


class RecoveryJournal:
    """Two alternating slots in a memory-mapped file under the data directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._map: mmap.mmap | None = None
        self._fd = -1
        self._seq = 0

    async def open(self) -> None:
        """Create the file if needed and map it (in a thread)."""
        await asyncio.to_thread(self._open)

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        if os.fstat(fd).st_size < _SIZE:
            os.ftruncate(fd, _SIZE)
        self._fd = fd
        self._map = mmap.mmap(fd, _SIZE)
        found = self._newest()
        self._seq = found[0] if found else 0

    def write(self, point: RecoveryPoint) -> None:
        """Record the point (a memory copy); does nothing when the journal is not open."""
        mapped = self._map
        if mapped is None:
            return
        self._seq += 1
        body = _RECORD.pack(
            _MAGIC,
            self._seq,
            point.job_id,
            point.line_index,
            point.byte_offset,
            point.layer,
            point.x,
            point.y,
            point.z,
            point.e,
            point.feedrate,
            point.hotend_target,
            point.bed_target,
            point.fan,
            point.feedrate_pct,
            point.flow_pct,
            point.absolute_e,
            point.created_at,
        )
        start = (self._seq % 2) * _SLOT
        mapped[start : start + len(body) + _CRC.size] = body + _CRC.pack(zlib.crc32(body))

    async def read(self) -> RecoveryPoint | None:
        """The newest valid point, or None."""
        if self._map is None:
            return None
        found = self._newest()
        return found[1] if found else None

    async def sync(self) -> None:
        """Make the journal durable against a power cut (msync in a thread)."""
        mapped = self._map
        if mapped is not None:
            await asyncio.to_thread(mapped.flush)

    async def close(self) -> None:
        """Sync and unmap."""
        mapped, self._map = self._map, None
        if mapped is not None:
            await asyncio.to_thread(_close, mapped, self._fd)
            self._fd = -1

    def _newest(self) -> tuple[int, RecoveryPoint] | None:
        mapped = self._map
        assert mapped is not None
        best: tuple[int, RecoveryPoint] | None = None
        for slot in range(2):
            start = slot * _SLOT
            body = mapped[start : start + _RECORD.size]
            (crc,) = _CRC.unpack(mapped[start + _RECORD.size : start + _RECORD.size + _CRC.size])
            if body[:4] != _MAGIC or zlib.crc32(body) != crc:
                continue
            fields = _RECORD.unpack(body)
            seq = fields[1]
            if best is None or seq > best[0]:
                best = (seq, _point(fields))
        return best


def _point(fields: tuple[Any, ...]) -> RecoveryPoint:
    (
        _,
        _,
        job_id,
        line_index,
        byte_offset,
        layer,
        x,
        y,
        z,
        e,
        feedrate,
        hotend,
        bed,
        fan,
        speed,
        flow,
        absolute_e,
        at,
    ) = fields
    return RecoveryPoint(
        job_id=int(job_id),
        line_index=int(line_index),
        byte_offset=int(byte_offset),
        layer=int(layer),
        x=float(x),
        y=float(y),
        z=float(z),
        e=float(e),
        feedrate=float(feedrate),
        hotend_target=float(hotend),
        bed_target=float(bed),
        fan=float(fan),
        feedrate_pct=float(speed),
        flow_pct=float(flow),
        absolute_e=bool(absolute_e),
        created_at=float(at),
    )


def _close(mapped: mmap.mmap, fd: int) -> None:
    mapped.flush()
    mapped.close()
    os.close(fd)

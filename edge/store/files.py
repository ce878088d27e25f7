"""The file store: uploaded G-code on disk, its analysis in the database, the two kept consistent."""

from __future__ import annotations

import asyncio
import builtins
import json
import logging
import re
import sqlite3
import time
from collections.abc import AsyncGenerator, AsyncIterable
from contextlib import aclosing
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from edge.config.schema import LimitsConfig
from edge.core.errors import (
    FileInUseError,
    FileMissingError,
    FileRejectedError,
    NotFoundError,
    StoreError,
)
from edge.gcode.analysis import READ_CHUNK, GcodeAnalysis
from edge.store.db import Database
from edge.store.upload import (
    TEMP_PREFIX,
    TEMP_SUFFIX,
    Upload,
    disk_space_needed,
    fsync_directory,
    sanitise_name,
)

log = logging.getLogger("printedge.store")

DEFAULT_FREE_MARGIN = 50 * 1024 * 1024
BLOCK_SIZE = 1024 * 1024
_STORED_NAME = re.compile(r"\d+\.gcode")
_ACTIVE_STATES = ("queued", "printing", "paused")


@dataclass(kw_only=True)
class StoredFile:
    """A G-code file as stored: display name, content identity and analysis."""

    id: int
    name: str
    stored_name: str
    sha256: str
    size: int
    analysis: GcodeAnalysis
    created_at: float
    missing: bool = False

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "id": self.id,
            "name": self.name,
            "stored_name": self.stored_name,
            "sha256": self.sha256,
            "size": self.size,
            "analysis": self.analysis.to_dict(),
            "created_at": self.created_at,
            "missing": self.missing,
        }


@dataclass(kw_only=True)
class ReconcileReport:
    """What reconcile() cleaned up or found missing."""

    removed_temp: list[str] = field(default_factory=list)
    removed_orphans: list[str] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "removed_temp": self.removed_temp,
            "removed_orphans": self.removed_orphans,
            "missing": self.missing,
        }


class FileStore:
    """Streams uploads to disk under generated names and records them; refuses bad files and full disks."""

    def __init__(
        self,
        db: Database,
        root: Path,
        max_line_length: int,
        max_bytes: int,
        *,
        free_margin_bytes: int = DEFAULT_FREE_MARGIN,
        block_size: int = BLOCK_SIZE,
        limits: LimitsConfig | None = None,
    ) -> None:
        self.db = db
        self.limits = limits
        self.root = root
        self.max_line_length = max_line_length
        self.max_bytes = max_bytes
        self.free_margin_bytes = free_margin_bytes
        self.block_size = block_size
        self._active: set[str] = set()

    async def add(self, name: str, chunks: AsyncIterable[bytes], *, size_hint: int | None = None) -> StoredFile:
        """Store an upload; on any rejection nothing is left on disk or in the database."""
        display = sanitise_name(name)
        if size_hint is not None and size_hint > self.max_bytes:
            raise self._too_large(display, size_hint, exact=True)
        upload = Upload(self.root, display, self.max_line_length, self.free_margin_bytes, self.limits)
        self._active.add(upload.temp_path.name)
        try:
            await asyncio.to_thread(self._prepare, upload, size_hint or 0)
            buffer = bytearray()
            received = 0
            async for chunk in chunks:
                received += len(chunk)
                if received > self.max_bytes:
                    raise self._too_large(display, received, exact=False)
                buffer += chunk
                if len(buffer) >= self.block_size:
                    block = bytes(buffer)
                    buffer.clear()
                    await asyncio.to_thread(upload.write, block)
            if buffer:
                await asyncio.to_thread(upload.write, bytes(buffer))
            analysis = await asyncio.to_thread(upload.finish)
        except BaseException:
            self._active.discard(upload.temp_path.name)
            await asyncio.to_thread(upload.discard)
            raise
        # Shielded: once the rename and the row are under way they finish, even if the client goes away.
        return await asyncio.shield(self._record(upload, analysis))

    async def add_path(self, name: str, path: Path) -> StoredFile:
        """Store a file that is already on this machine (the CLI's way in)."""
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError as exc:
            raise NotFoundError("file", str(path)) from exc
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc}") from exc
        try:
            stat = await asyncio.to_thread(path.stat)
            async with aclosing(_read_chunks(handle)) as chunks:
                return await self.add(name, chunks, size_hint=stat.st_size)
        finally:
            await asyncio.to_thread(handle.close)

    async def list(self) -> builtins.list[StoredFile]:
        """Every stored file, newest first."""
        rows = await self.db.fetchall("SELECT * FROM files WHERE deleted_at IS NULL ORDER BY id DESC")
        return [_from_row(row) for row in rows]

    async def get(self, file_id: int) -> StoredFile:
        """One stored file, or NotFoundError."""
        row = await self.db.fetchone("SELECT * FROM files WHERE id = ? AND deleted_at IS NULL", (file_id,))
        if row is None:
            raise NotFoundError("file", file_id)
        return _from_row(row)

    async def path_of(self, file_id: int) -> Path:
        """Where a stored file's content is; FileMissingError if it went missing from disk."""
        stored = await self.get(file_id)
        path = self.root / stored.stored_name
        if not await asyncio.to_thread(path.is_file):
            await self.db.execute("UPDATE files SET missing = 1 WHERE id = ?", (file_id,))
            raise FileMissingError(file_id, stored.name, str(path))
        return path

    async def delete(self, file_id: int) -> None:
        """Delete a file unless a queued, printing or paused job uses it; finished jobs keep their history."""
        async with self.db.transaction():
            stored = await self.get(file_id)
            marks = ", ".join("?" for _ in _ACTIVE_STATES)
            jobs = await self.db.fetchall(
                f"SELECT id FROM jobs WHERE file_id = ? AND state IN ({marks}) ORDER BY id",
                (file_id, *_ACTIVE_STATES),
            )
            if jobs:
                raise FileInUseError(file_id, stored.name, [int(row["id"]) for row in jobs])
            await self.db.execute("UPDATE files SET deleted_at = ? WHERE id = ?", (time.time(), file_id))
        # After the commit: a crash or error before the unlink leaves an orphan that reconcile() removes.
        try:
            await asyncio.to_thread(_remove, self.root, [stored.stored_name])
        except OSError as exc:
            log.warning(
                "file %d deleted, but %s stays on disk until the next start: %s", file_id, stored.stored_name, exc
            )
        log.info("deleted file %d (%r)", file_id, stored.name)

    async def reconcile(self) -> ReconcileReport:
        """At startup: remove temporary and orphan files, and mark rows whose file is gone as missing."""
        rows = await self.db.fetchall("SELECT id, stored_name, missing FROM files WHERE deleted_at IS NULL")
        on_disk = await asyncio.to_thread(_scan, self.root)
        live = {str(row["stored_name"]) for row in rows}
        report = ReconcileReport()
        for entry in sorted(on_disk - self._active):
            if entry.startswith(TEMP_PREFIX) and entry.endswith(TEMP_SUFFIX):
                report.removed_temp.append(entry)
            elif _STORED_NAME.fullmatch(entry) and entry not in live:
                report.removed_orphans.append(entry)
        await asyncio.to_thread(_remove, self.root, report.removed_temp + report.removed_orphans)
        async with self.db.transaction():
            for row in rows:
                present = str(row["stored_name"]) in on_disk
                if not present:
                    report.missing.append(int(row["id"]))
                if present == bool(row["missing"]):
                    await self.db.execute("UPDATE files SET missing = ? WHERE id = ?", (int(not present), row["id"]))
        if report.removed_temp or report.removed_orphans or report.missing:
            log.warning("file store reconciled: %s", report.to_dict())
        return report

    def _prepare(self, upload: Upload, size_hint: int) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        disk_space_needed(self.root, upload.name, size_hint, self.free_margin_bytes)
        upload.open()

    def _too_large(self, name: str, size: int, *, exact: bool) -> FileRejectedError:
        got = f"it is {size} bytes" if exact else f"received {size} bytes so far"
        return FileRejectedError(
            name,
            f"is larger than the limit of {self.max_bytes} bytes ({got}); split the print or raise the upload limit",
        )

    async def _record(self, upload: Upload, analysis: GcodeAnalysis) -> StoredFile:
        """Rename into place and insert the row in one transaction; undo the rename if it fails."""
        now = time.time()
        stored_name = ""
        try:
            async with self.db.transaction():
                file_id = await self.db.insert(
                    "INSERT INTO files (name, stored_name, sha256, size, analysis, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        upload.name,
                        upload.temp_path.name,
                        upload.sha256,
                        upload.size,
                        json.dumps(analysis.to_dict()),
                        now,
                    ),
                )
                stored_name = f"{file_id}.gcode"
                self._active.add(stored_name)
                await self.db.execute("UPDATE files SET stored_name = ? WHERE id = ?", (stored_name, file_id))
                await asyncio.to_thread(upload.publish, self.root / stored_name)
        except BaseException:
            await asyncio.to_thread(upload.discard)
            raise
        finally:
            self._active.discard(upload.temp_path.name)
            self._active.discard(stored_name)
        log.info("stored %r as %s (%d bytes, sha256 %s)", upload.name, stored_name, upload.size, upload.sha256[:12])
        return StoredFile(
            id=file_id,
            name=upload.name,
            stored_name=stored_name,
            sha256=upload.sha256,
            size=upload.size,
            analysis=analysis,
            created_at=now,
        )


def _from_row(row: sqlite3.Row) -> StoredFile:
    try:
        analysis = GcodeAnalysis.from_dict(json.loads(row["analysis"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"file {row['id']} has an unreadable analysis record: {exc}") from exc
    return StoredFile(
        id=int(row["id"]),
        name=str(row["name"]),
        stored_name=str(row["stored_name"]),
        sha256=str(row["sha256"]),
        size=int(row["size"]),
        analysis=analysis,
        created_at=float(row["created_at"]),
        missing=bool(row["missing"]),
    )


async def _read_chunks(handle: BinaryIO) -> AsyncGenerator[bytes, None]:
    """A local file's content in blocks, each read in a worker thread."""
    while chunk := await asyncio.to_thread(handle.read, READ_CHUNK):
        yield chunk


def _scan(root: Path) -> set[str]:
    root.mkdir(parents=True, exist_ok=True)
    return {entry.name for entry in root.iterdir() if entry.is_file()}


def _remove(root: Path, names: list[str]) -> None:
    if not names:
        return
    for name in names:
        (root / name).unlink(missing_ok=True)
    fsync_directory(root)

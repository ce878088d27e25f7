"""One upload on its way to disk: a temporary file written, hashed and analysed chunk by chunk."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import threading
import uuid
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from edge.config.schema import LimitsConfig
from edge.core.errors import DiskFullError, FileRejectedError
from edge.gcode.analysis import GcodeAnalyser, GcodeAnalysis

TEMP_PREFIX = ".upload-"
TEMP_SUFFIX = ".part"
ALLOWED_EXTENSIONS = (".gcode", ".gco", ".g")
MAX_NAME_LENGTH = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MB = 1024 * 1024


def sanitise_name(name: str) -> str:
    """The display name of an upload: basename only, no control characters, at most 200 characters."""
    cleaned = _CONTROL.sub("", name).replace("\\", "/")
    base = PurePosixPath(cleaned).name.strip()
    if base in ("", ".", ".."):
        raise FileRejectedError(name, "has no usable file name; name it like 'part.gcode'")
    if not base.lower().endswith(ALLOWED_EXTENSIONS):
        raise FileRejectedError(
            name[:MAX_NAME_LENGTH],
            f"is not a G-code file name: it must end in {', '.join(ALLOWED_EXTENSIONS)}",
        )
    if len(base) > MAX_NAME_LENGTH:
        stem, dot, ext = base.rpartition(".")
        base = stem[: MAX_NAME_LENGTH - len(ext) - 1] + dot + ext
    return base


def disk_space_needed(root: Path, name: str, needed: int, margin: int) -> None:
    """Raise DiskFullError unless `needed` bytes plus the safety margin are free under `root`."""
    free = shutil.disk_usage(root).free
    if free - needed < margin:
        raise DiskFullError(
            f"not enough free space in {root} to store {name!r}: {(needed + margin) / _MB:.1f} MB needed "
            f"({needed / _MB:.1f} MB of data plus a {margin / _MB:.0f} MB safety margin), "
            f"{free / _MB:.1f} MB free; delete old files to make room"
        )


class Upload:
    """Blocking file work for one upload; every method is meant to run in a worker thread."""

    def __init__(
        self, root: Path, name: str, max_line_length: int, margin: int, limits: LimitsConfig | None = None
    ) -> None:
        self.root = root
        self.name = name
        self.margin = margin
        self.temp_path = root / f"{TEMP_PREFIX}{uuid.uuid4().hex}{TEMP_SUFFIX}"
        self.final_path: Path | None = None
        self.size = 0
        self._hash = hashlib.sha256()
        self._analyser = GcodeAnalyser(name, max_line_length, limits)
        self._handle: BinaryIO | None = None
        # A cancelled upload's discard() may start while its last write() still runs in another thread.
        self._lock = threading.Lock()

    @property
    def sha256(self) -> str:
        """Hex digest of everything written so far."""
        return self._hash.hexdigest()

    def open(self) -> None:
        """Create the temporary file (never a name the client chose)."""
        self.root.mkdir(parents=True, exist_ok=True)
        self._handle = self.temp_path.open("xb")

    def write(self, data: bytes) -> None:
        """Check, analyse, hash and write one block; refuses before the disk gets too full."""
        with self._lock:
            if self._handle is None:
                raise RuntimeError("upload is not open")
            self._analyser.feed(data)
            disk_space_needed(self.root, self.name, len(data), self.margin)
            try:
                self._handle.write(data)
            except OSError as exc:
                raise self._disk_error(exc) from exc
            self._hash.update(data)
            self.size += len(data)

    def finish(self) -> GcodeAnalysis:
        """Flush and fsync the file, then return the completed analysis (or reject the file)."""
        with self._lock:
            if self._handle is None:
                raise RuntimeError("upload is not open")
            analysis = self._analyser.finish()
            handle, self._handle = self._handle, None
            try:
                handle.flush()
                os.fsync(handle.fileno())
            except OSError as exc:
                raise self._disk_error(exc) from exc
            finally:
                handle.close()
            return analysis

    def publish(self, final_path: Path) -> None:
        """Atomically rename the temporary file to its final name and make the rename durable."""
        os.replace(self.temp_path, final_path)
        self.final_path = final_path
        fsync_directory(self.root)

    def discard(self) -> None:
        """Remove whatever this upload left on disk."""
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None
            self.temp_path.unlink(missing_ok=True)
            if self.final_path is not None:
                self.final_path.unlink(missing_ok=True)
                self.final_path = None

    def _disk_error(self, exc: OSError) -> Exception:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            free = shutil.disk_usage(self.root).free
            return DiskFullError(
                f"disk full in {self.root} while storing {self.name!r} after {self.size / _MB:.1f} MB "
                f"({free / _MB:.1f} MB free); delete old files to make room"
            )
        return exc


def fsync_directory(path: Path) -> None:
    """Make renames and unlinks inside a directory durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

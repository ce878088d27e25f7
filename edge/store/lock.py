"""One PrintEdge per data directory: an exclusive flock on <data_dir>/printedge.lock that names its holder."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from pathlib import Path

from edge.core.errors import InstanceLockedError, StoreError

LOCK_NAME = "printedge.lock"
# The holder writes its pid just after taking the lock; a refused instance waits this long to read it.
_PID_WAIT_S = 0.5


class DataDirLock:
    """An exclusive, non-blocking lock on a data directory; its file work blocks, so async callers use a thread."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock and write this process's pid into it, or raise InstanceLockedError naming the holder."""
        if self._fd is not None:
            return
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            # No O_TRUNC: the file may belong to a running instance, whose pid we must still be able to read.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise StoreError(
                f"cannot create lock file {self.path}: {exc.strerror or exc}; check that the data directory "
                "exists and is writable by this user"
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder(fd)
            os.close(fd)
            raise InstanceLockedError(str(self.data_dir), pid) from None
        except OSError as exc:
            os.close(fd)
            raise StoreError(f"cannot lock {self.path}: {exc.strerror or exc}") from exc
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError as exc:
            os.close(fd)
            raise StoreError(f"cannot write this process's pid into {self.path}: {exc.strerror or exc}") from exc
        self._fd = fd

    def release(self) -> None:
        """Drop the lock (closing the file releases it); safe to call twice."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)  # no stale pid for the next reader; the lock itself is what counts
        finally:
            os.close(fd)


def _holder(fd: int) -> int | None:
    """The pid the holding process wrote, waiting briefly if it has only just taken the lock."""
    deadline = time.monotonic() + _PID_WAIT_S
    while True:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        if text.isdigit():
            return int(text)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.02)

"""One instance per data directory: the lock names its holder, and a dead holder never leaves it stale."""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import sys
from pathlib import Path

import pytest

from edge.core.errors import InstanceLockedError, StoreError
from edge.store.lock import LOCK_NAME, DataDirLock

HOLDER = """
import sys
from pathlib import Path
from edge.store.lock import DataDirLock
DataDirLock(Path(sys.argv[1])).acquire()
print("locked", flush=True)
sys.stdin.read()
"""


async def holder_process(data_dir: Path) -> asyncio.subprocess.Process:
    """Another process that takes the lock and keeps it until its stdin closes."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLDER, str(data_dir), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    assert await asyncio.wait_for(proc.stdout.readline(), 30) == b"locked\n"
    return proc


def test_the_lock_creates_the_data_directory_and_records_this_pid(tmp_path: Path) -> None:
    lock = DataDirLock(tmp_path / "new" / "data")
    lock.acquire()
    try:
        assert lock.held
        assert (tmp_path / "new" / "data" / LOCK_NAME).read_text() == f"{os.getpid()}\n"
        lock.acquire()  # taking it again is a no-op
    finally:
        lock.release()
    assert not lock.held
    assert (tmp_path / "new" / "data" / LOCK_NAME).read_text() == ""
    lock.release()  # releasing twice is fine


def test_a_second_lock_on_the_same_directory_is_refused_naming_the_holder(tmp_path: Path) -> None:
    first = DataDirLock(tmp_path)
    first.acquire()
    try:
        with pytest.raises(InstanceLockedError) as caught:
            DataDirLock(tmp_path).acquire()
        assert caught.value.message == (
            f"another printedge (pid {os.getpid()}) is using data directory {tmp_path}; stop it first"
        )
        assert caught.value.pid == os.getpid() and caught.value.data_dir == str(tmp_path)
        assert (tmp_path / LOCK_NAME).read_text() == f"{os.getpid()}\n"  # the refused one wrote nothing
    finally:
        first.release()
    second = DataDirLock(tmp_path)
    second.acquire()
    second.release()


async def test_a_lock_held_by_another_process_names_that_process(tmp_path: Path) -> None:
    holder = await holder_process(tmp_path)
    try:
        with pytest.raises(InstanceLockedError, match=rf"another printedge \(pid {holder.pid}\) is using"):
            await asyncio.to_thread(DataDirLock(tmp_path).acquire)
    finally:
        holder.kill()
        await holder.wait()


async def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    holder = await holder_process(tmp_path)
    holder.send_signal(signal.SIGKILL)
    await holder.wait()
    lock = DataDirLock(tmp_path)
    await asyncio.to_thread(lock.acquire)
    assert lock.held
    await asyncio.to_thread(lock.release)


def test_a_holder_that_wrote_no_pid_is_still_refused(tmp_path: Path) -> None:
    fd = os.open(tmp_path / LOCK_NAME, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(InstanceLockedError, match=r"another printedge \(pid unknown\) is using data directory"):
            DataDirLock(tmp_path).acquire()
    finally:
        os.close(fd)


def test_a_data_directory_that_cannot_be_created_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(StoreError, match=r"cannot create lock file .*file/data/printedge.lock"):
        DataDirLock(tmp_path / "file" / "data").acquire()

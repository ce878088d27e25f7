"""A real full disk mid-print: the job ends failed with the reason, the heaters go off, nothing stays printing."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.conftest import client, started
from tests.web.web_helpers import get_json, slow_print, start_job, upload, wait_for_progress

DISK_MB = 64  # the upload itself keeps a 50 MB margin


@contextlib.contextmanager
def small_disk(mountpoint: Path) -> Iterator[Path]:
    """A tmpfs of DISK_MB mounted for the test (tests run as root, as CI does)."""
    mountpoint.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m", "tmpfs", str(mountpoint)], capture_output=True, text=True
    )
    if result.returncode != 0:
        if os.geteuid() != 0:
            pytest.skip(f"mounting a tmpfs needs root: {result.stderr.strip()}")
        raise AssertionError(f"cannot mount a tmpfs at {mountpoint}: {result.stderr.strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def fill(path: Path) -> None:
    """Write until the disk is full, down to the last byte (blocking: run it in a thread)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        for size in (1 << 20, 1 << 12, 1):
            block = b"\0" * size
            while True:
                try:
                    os.write(fd, block)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
    finally:
        os.close(fd)


async def test_a_full_disk_mid_print_ends_the_job_failed_with_the_heaters_off(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        app = await started(disk / "data", jobs__recovery_interval_s="0.5")
        filler = disk / "filler"
        try:
            async with client(app) as api:
                stored = await upload(api, "long.gcode", b"M140 S60\nM104 S200\n" + slow_print(3000))
                job = await start_job(api, stored["id"])
                await wait_for_progress(api, job["id"], 50)
                await asyncio.to_thread(fill, filler)
                # A checkpoint empties the WAL, as SQLite does now and then: the next commit must grow it.
                with contextlib.suppress(Exception):
                    await app.services.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                runner = app.manager.runner
                for _ in range(300):
                    if app.manager.runner is None:
                        break
                    await asyncio.sleep(0.05)
                assert app.manager.runner is None, "the job must end, not stay printing"
                assert runner is not None
                status = await get_json(api, "/api/v1/status")
                assert status["jobs"]["unsaved"] == {str(job["id"]): "failed"}
                health = await api.get("/health")
                assert health.status == 503 and "cannot record" in (await health.text())
                assert app.simulator is not None
                assert app.simulator.hotend.target == 0 and app.simulator.bed.target == 0, "the end script ran"
                # Space again: the job's end is recorded, with the reason.
                await asyncio.to_thread(filler.unlink)
                for _ in range(200):
                    if not app.manager.unsaved:
                        break
                    await asyncio.sleep(0.05)
                stored_job = await get_json(api, f"/api/v1/jobs/{job['id']}")
                assert stored_job["state"] == "failed"
                assert "disk" in stored_job["detail"] and "free some disk space" in stored_job["detail"]
        finally:
            with contextlib.suppress(FileNotFoundError):
                await asyncio.to_thread(filler.unlink)
            await app.stop()

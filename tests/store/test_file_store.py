"""The file store: uploads round trip, every bad input is refused and leaves nothing behind."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from edge.core.errors import (
    DiskFullError,
    FileInUseError,
    FileMissingError,
    FileRejectedError,
    NotFoundError,
)
from edge.store.db import Database
from edge.store.files import FileStore
from edge.store.jobs import JobRepository
from edge.store.records import JobState
from tests.store.store_helpers import CUBE, chunks, stored_entries

_MB = 1024 * 1024


async def row_count(db: Database) -> int:
    row = await db.fetchone("SELECT COUNT(*) AS n FROM files")
    assert row is not None
    return int(row["n"])


async def assert_nothing_stored(db: Database, root: Path) -> None:
    assert stored_entries(root) == []
    assert await row_count(db) == 0


def fake_free_space(monkeypatch: pytest.MonkeyPatch, *free: int) -> None:
    """Make shutil.disk_usage report these free byte counts, one per call, repeating the last."""
    values = list(free)
    real = shutil.disk_usage

    def disk_usage(path: Any) -> Any:
        usage = real(path)
        value = values.pop(0) if len(values) > 1 else values[0]
        return type(usage)(usage.total, usage.total - value, value)

    monkeypatch.setattr(shutil, "disk_usage", disk_usage)


async def test_upload_round_trip_records_sha256_size_and_analysis(files: FileStore, files_root: Path) -> None:
    stored = await files.add("cube.gcode", chunks(CUBE))
    assert stored.name == "cube.gcode"
    assert stored.stored_name == f"{stored.id}.gcode"
    assert stored.sha256 == hashlib.sha256(CUBE).hexdigest()
    assert stored.size == len(CUBE)
    assert stored.analysis.layer_count == 2
    assert stored.analysis.slicer == "PrusaSlicer"
    assert stored.analysis.estimated_time_s == 90
    path = await files.path_of(stored.id)
    assert path == files_root / stored.stored_name
    assert path.read_bytes() == CUBE
    assert stored_entries(files_root) == [stored.stored_name]
    assert await files.get(stored.id) == stored
    assert await files.list() == [stored]
    assert stored.to_dict()["analysis"] == stored.analysis.to_dict()


async def test_stored_file_survives_reopening_the_database(tmp_path: Path, files_root: Path) -> None:
    db = Database(tmp_path / "data" / "printedge.db")
    await db.open()
    stored = await FileStore(db, files_root, 96, _MB).add("cube.gcode", chunks(CUBE))
    await db.close()
    reopened = Database(tmp_path / "data" / "printedge.db")
    await reopened.open()
    try:
        assert await FileStore(reopened, files_root, 96, _MB).get(stored.id) == stored
    finally:
        await reopened.close()


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("empty.gcode", b"", r"'empty.gcode' rejected: is empty \(0 bytes\): contains no G-code commands"),
        ("notes.gcode", b"; just a comment\n\n", r"'notes.gcode' rejected: contains no G-code commands"),
        ("nul.gcode", b"G28\nG1 X1\x00\n", r"'nul.gcode' rejected: contains binary data: a NUL byte at line 2"),
        (
            "latin.gcode",
            b"G28\n; \xb0C\n",
            r"'latin.gcode' rejected: contains binary data: line 2 is not UTF-8 text \(byte 0xb0",
        ),
        (
            "long.gcode",
            b"G28\nG1 X1 " + b"Y" * 100 + b"\n",
            r"'long.gcode' rejected: line 2 has a command of 106 characters, the printer accepts at most 82",
        ),
        ("model.stl", CUBE, r"'model.stl' rejected: is not a G-code file name: it must end in \.gcode"),
        ("", CUBE, r"rejected: has no usable file name"),
    ],
    ids=["empty", "comments-only", "nul-byte", "invalid-utf8", "over-long-line", "wrong-extension", "no-name"],
)
async def test_bad_upload_is_refused_naming_the_problem_and_leaves_nothing(
    files: FileStore, db: Database, files_root: Path, name: str, data: bytes, expected: str
) -> None:
    with pytest.raises(FileRejectedError, match=expected):
        await files.add(name, chunks(data))
    await assert_nothing_stored(db, files_root)


async def test_binary_upload_is_refused_without_reading_it_all(db: Database, files_root: Path) -> None:
    files = FileStore(db, files_root, 96, max_bytes=512 * _MB)
    sent = 0

    async def endless_binary() -> AsyncIterator[bytes]:
        nonlocal sent
        while True:
            sent += 1
            yield b"\x89PNG\r\n\x1a\n" * 1000

    with pytest.raises(FileRejectedError, match=r"binary data: line 1 is not UTF-8 text \(byte 0x89 at column 1\)"):
        await files.add("photo.gcode", endless_binary())
    assert sent * 8000 <= 2 * _MB  # refused at the first block, not after 512 MB
    await assert_nothing_stored(db, files_root)


async def test_path_traversal_name_is_stored_under_a_generated_name(
    files: FileStore, files_root: Path, tmp_path: Path
) -> None:
    stored = await files.add("../../etc/passwd.gcode", chunks(CUBE))
    assert stored.name == "passwd.gcode"
    assert stored.stored_name == f"{stored.id}.gcode"
    assert stored_entries(files_root) == [stored.stored_name]
    assert not (tmp_path / "etc").exists()
    windows = await files.add("C:\\Users\\me\\..\\part.GCO", chunks(CUBE))
    assert windows.name == "part.GCO"


async def test_control_characters_are_removed_and_long_names_shortened(files: FileStore) -> None:
    stored = await files.add("ben\x00chy\x1b[31m.gcode", chunks(CUBE))
    assert stored.name == "benchy[31m.gcode"
    long = await files.add("x" * 300 + ".gcode", chunks(CUBE))
    assert len(long.name) == 200
    assert long.name.endswith("x.gcode")


async def test_duplicate_names_are_kept_apart_by_id(files: FileStore) -> None:
    first = await files.add("cube.gcode", chunks(CUBE))
    second = await files.add("cube.gcode", chunks(CUBE))
    assert first.id != second.id
    assert first.stored_name != second.stored_name
    assert [item.id for item in await files.list()] == [second.id, first.id]


async def test_upload_larger_than_the_limit_is_refused_while_streaming(db: Database, files_root: Path) -> None:
    files = FileStore(db, files_root, 96, max_bytes=len(CUBE) - 1)
    with pytest.raises(FileRejectedError, match=rf"larger than the limit of {len(CUBE) - 1} bytes \(received"):
        await files.add("cube.gcode", chunks(CUBE))
    await assert_nothing_stored(db, files_root)


async def test_announced_size_over_the_limit_is_refused_before_reading(db: Database, files_root: Path) -> None:
    files = FileStore(db, files_root, 96, max_bytes=1000)
    with pytest.raises(FileRejectedError, match=r"larger than the limit of 1000 bytes \(it is 5000 bytes\)"):
        await files.add("cube.gcode", chunks(CUBE), size_hint=5000)
    await assert_nothing_stored(db, files_root)


async def test_full_disk_is_refused_before_writing(
    files: FileStore, db: Database, files_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_free_space(monkeypatch, 10 * _MB)
    with pytest.raises(DiskFullError, match=r"MB needed .* 50 MB safety margin\), 10\.0 MB free"):
        await files.add("cube.gcode", chunks(CUBE))
    await assert_nothing_stored(db, files_root)


async def test_disk_filling_up_during_an_upload_is_refused_and_cleaned_up(
    db: Database, files_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = FileStore(db, files_root, 96, 10 * _MB, block_size=len(CUBE) // 3)
    fake_free_space(monkeypatch, 500 * _MB, 500 * _MB, 20 * _MB)
    with pytest.raises(DiskFullError, match=r"20\.0 MB free"):
        await files.add("cube.gcode", chunks(CUBE))
    await assert_nothing_stored(db, files_root)


async def test_free_space_margin_is_configurable(
    db: Database, files_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_free_space(monkeypatch, 10 * _MB)
    files = FileStore(db, files_root, 96, _MB, free_margin_bytes=_MB)
    assert (await files.add("cube.gcode", chunks(CUBE))).size == len(CUBE)


async def test_upload_that_breaks_off_leaves_nothing(files: FileStore, db: Database, files_root: Path) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield CUBE[:50]
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await files.add("cube.gcode", broken())
    await assert_nothing_stored(db, files_root)


async def test_cancelled_upload_leaves_nothing(files: FileStore, db: Database, files_root: Path) -> None:
    started = asyncio.Event()

    async def stalled() -> AsyncIterator[bytes]:
        yield CUBE[:50]
        started.set()
        await asyncio.Event().wait()
        yield b""

    task = asyncio.create_task(files.add("cube.gcode", stalled()))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await assert_nothing_stored(db, files_root)


async def test_concurrent_uploads_are_all_stored(files: FileStore, files_root: Path) -> None:
    bodies = [CUBE + f"G1 X{index}\n".encode() for index in range(8)]
    stored = await asyncio.gather(*(files.add(f"part{i}.gcode", chunks(body)) for i, body in enumerate(bodies)))
    assert len({item.id for item in stored}) == 8
    for item, body in zip(stored, bodies, strict=True):
        assert (files_root / item.stored_name).read_bytes() == body
        assert item.sha256 == hashlib.sha256(body).hexdigest()
    assert len(stored_entries(files_root)) == 8


async def test_add_path_stores_a_local_file(files: FileStore, tmp_path: Path) -> None:
    source = tmp_path / "local.gcode"
    source.write_bytes(CUBE)
    stored = await files.add_path("local.gcode", source)
    assert stored.sha256 == hashlib.sha256(CUBE).hexdigest()
    with pytest.raises(NotFoundError, match=r"nowhere.gcode"):
        await files.add_path("nowhere.gcode", tmp_path / "nowhere.gcode")


async def test_delete_is_refused_while_a_job_uses_the_file(
    files: FileStore, jobs: JobRepository, files_root: Path
) -> None:
    stored = await files.add("cube.gcode", chunks(CUBE))
    job = await jobs.create(stored.id)
    for state in (JobState.QUEUED, JobState.PRINTING, JobState.PAUSED):
        await jobs.update_state(job.id, state)
        with pytest.raises(FileInUseError, match=rf"file {stored.id} \('cube.gcode'\) is used by .* {job.id};"):
            await files.delete(stored.id)
        assert stored_entries(files_root) == [stored.stored_name]
    await jobs.update_state(job.id, JobState.COMPLETED)
    await files.delete(stored.id)
    assert stored_entries(files_root) == []
    with pytest.raises(NotFoundError):
        await files.get(stored.id)
    assert (await jobs.get(job.id)).file_name == "cube.gcode"  # history keeps the name


async def test_deleting_an_unknown_file_is_a_not_found_error(files: FileStore) -> None:
    with pytest.raises(NotFoundError, match=r"file 42 does not exist"):
        await files.delete(42)


async def test_file_gone_from_disk_is_reported_missing(files: FileStore, files_root: Path) -> None:
    stored = await files.add("cube.gcode", chunks(CUBE))
    (files_root / stored.stored_name).unlink()
    with pytest.raises(FileMissingError, match=r"'cube.gcode'\) is missing from disk"):
        await files.path_of(stored.id)
    assert (await files.get(stored.id)).missing


async def test_reconcile_removes_leftovers_and_marks_missing_files(files: FileStore, files_root: Path) -> None:
    kept = await files.add("kept.gcode", chunks(CUBE))
    lost = await files.add("lost.gcode", chunks(CUBE))
    (files_root / lost.stored_name).unlink()
    (files_root / ".upload-0123.part").write_bytes(b"half an upload")
    (files_root / "999.gcode").write_bytes(b"renamed, never recorded")
    (files_root / "README.txt").write_text("not ours")
    report = await files.reconcile()
    assert report.removed_temp == [".upload-0123.part"]
    assert report.removed_orphans == ["999.gcode"]
    assert report.missing == [lost.id]
    assert stored_entries(files_root) == sorted(["README.txt", kept.stored_name])
    assert (await files.get(lost.id)).missing
    assert not (await files.get(kept.id)).missing

"""The job repository: states, progress, recovery points and history survive a restart."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosqlite
import pytest

from edge.core.errors import FileMissingError, NotFoundError, StoreError
from edge.store.db import Database
from edge.store.files import FileStore, StoredFile
from edge.store.jobs import JobRepository
from edge.store.migrations import MIGRATIONS, apply_migrations
from edge.store.records import JobState, RecoveryPoint
from tests.store.store_helpers import CUBE, chunks


@pytest.fixture
async def cube(files: FileStore) -> StoredFile:
    """A stored file to print."""
    return await files.add("cube.gcode", chunks(CUBE))


async def reopen(db: Database) -> tuple[Database, JobRepository]:
    """Close the database and open it again, as after a restart."""
    await db.close()
    fresh = Database(db.path)
    await fresh.open()
    return fresh, JobRepository(fresh)


def point(job_id: int, **changes: float) -> RecoveryPoint:
    values: dict[str, float] = {
        "line_index": 1234,
        "byte_offset": 40960,
        "layer": 12,
        "z": 2.4,
        "e": 812.5,
        "feedrate": 1800.0,
        "hotend_target": 215.0,
        "bed_target": 60.0,
        "fan": 255.0,
        "x": 112.5,
        "y": 87.25,
        "feedrate_pct": 90.0,
        "flow_pct": 105.0,
        "created_at": 1000.0,
    } | changes
    return RecoveryPoint(
        job_id=job_id,
        line_index=int(values["line_index"]),
        byte_offset=int(values["byte_offset"]),
        layer=int(values["layer"]),
        z=values["z"],
        e=values["e"],
        feedrate=values["feedrate"],
        hotend_target=values["hotend_target"],
        bed_target=values["bed_target"],
        fan=values["fan"],
        x=values["x"],
        y=values["y"],
        feedrate_pct=values["feedrate_pct"],
        flow_pct=values["flow_pct"],
        created_at=values["created_at"],
    )


async def test_new_job_is_queued_with_the_file_totals(jobs: JobRepository, cube: StoredFile) -> None:
    job = await jobs.create(cube.id)
    assert job.state is JobState.QUEUED
    assert job.file_id == cube.id and job.file_name == "cube.gcode"
    assert job.lines_total == cube.analysis.command_lines
    assert job.bytes_total == cube.size
    assert job.started_at is None and job.finished_at is None
    assert [event.kind for event in await jobs.events(job.id)] == ["queued"]


async def test_job_for_an_unknown_file_is_refused(jobs: JobRepository) -> None:
    with pytest.raises(NotFoundError, match=r"file 7 does not exist"):
        await jobs.create(7)


async def test_job_for_a_file_missing_from_disk_is_refused(
    jobs: JobRepository, files: FileStore, cube: StoredFile, files_root: Path
) -> None:
    (files_root / cube.stored_name).unlink()
    await files.reconcile()
    with pytest.raises(FileMissingError, match=r"'cube.gcode'\) is missing from disk"):
        await jobs.create(cube.id)


async def test_unknown_job_is_a_not_found_error(jobs: JobRepository) -> None:
    with pytest.raises(NotFoundError, match=r"job 99 does not exist"):
        await jobs.get(99)
    with pytest.raises(NotFoundError):
        await jobs.update_state(99, JobState.PRINTING)
    with pytest.raises(NotFoundError):
        await jobs.update_progress(99, 1, 1, 1)
    with pytest.raises(NotFoundError):
        await jobs.set_resume(99, 1)


async def test_state_transitions_and_progress_persist_across_reopen(
    db: Database, jobs: JobRepository, cube: StoredFile
) -> None:
    job = await jobs.create(cube.id)
    printing = await jobs.update_state(job.id, JobState.PRINTING)
    assert printing.started_at is not None and printing.finished_at is None
    await jobs.update_progress(job.id, lines_done=5, bytes_done=120, layer=1)
    await jobs.update_state(job.id, JobState.PAUSED, "paused by the user")
    again = await jobs.update_state(job.id, JobState.PRINTING)
    assert again.started_at == printing.started_at  # first start is kept
    await jobs.set_resume(job.id, 4)
    db, jobs = await reopen(db)
    try:
        done = await jobs.update_state(job.id, JobState.COMPLETED, "printed")
        assert done.finished_at is not None
        assert (done.lines_done, done.bytes_done, done.layer, done.resume_from_line) == (5, 120, 1, 4)
        assert done.detail == "printed"
        history = await jobs.events(job.id)
        assert [event.kind for event in history] == ["queued", "printing", "paused", "printing", "completed"]
        assert history[2].detail == "paused by the user"
        assert history[1].detail == "queued -> printing"
    finally:
        await db.close()


async def test_next_queued_is_the_oldest_queued_job(jobs: JobRepository, cube: StoredFile) -> None:
    assert await jobs.next_queued() is None
    first = await jobs.create(cube.id)
    second = await jobs.create(cube.id)
    assert (await jobs.next_queued()).id == first.id  # type: ignore[union-attr]
    await jobs.update_state(first.id, JobState.PRINTING)
    assert (await jobs.next_queued()).id == second.id  # type: ignore[union-attr]


async def test_list_is_newest_first_and_filters_by_state(jobs: JobRepository, cube: StoredFile) -> None:
    created = [await jobs.create(cube.id) for _ in range(4)]
    await jobs.update_state(created[0].id, JobState.CANCELLED)
    assert [job.id for job in await jobs.list()] == [job.id for job in reversed(created)]
    assert [job.id for job in await jobs.list(limit=2)] == [created[3].id, created[2].id]
    assert [job.id for job in await jobs.list(states=[JobState.CANCELLED])] == [created[0].id]
    assert await jobs.list(states=[]) == []


async def test_latest_recovery_point_replaces_the_previous_one(jobs: JobRepository, cube: StoredFile) -> None:
    job = await jobs.create(cube.id)
    assert await jobs.latest_recovery(job.id) is None
    await jobs.save_recovery(point(job.id, line_index=10, layer=1))
    latest = point(job.id)
    await jobs.save_recovery(latest)
    assert await jobs.latest_recovery(job.id) == latest


async def test_recovery_point_keeps_position_and_overrides_across_a_restart(
    db: Database, jobs: JobRepository, cube: StoredFile
) -> None:
    job = await jobs.create(cube.id)
    saved = point(job.id)
    await jobs.save_recovery(saved)
    db, jobs = await reopen(db)
    try:
        loaded = await jobs.latest_recovery(job.id)
    finally:
        await db.close()
    assert loaded == saved
    assert loaded is not None and loaded.to_dict() == saved.to_dict()
    assert {key: loaded.to_dict()[key] for key in ("x", "y", "feedrate_pct", "flow_pct")} == {
        "x": 112.5,
        "y": 87.25,
        "feedrate_pct": 90.0,
        "flow_pct": 105.0,
    }


def test_a_recovery_point_without_position_or_overrides_means_origin_and_100_percent() -> None:
    bare = RecoveryPoint(
        job_id=1, line_index=0, byte_offset=0, layer=0, z=0, e=0, feedrate=0, hotend_target=0, bed_target=0, fan=0
    )
    assert (bare.x, bare.y, bare.feedrate_pct, bare.flow_pct) == (0.0, 0.0, 100.0, 100.0)


async def test_recovery_points_saved_before_the_upgrade_read_back_at_100_percent(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await apply_migrations(conn, path, [step for step in MIGRATIONS if step[0] < 5])
        await conn.execute(
            "INSERT INTO files (id, name, stored_name, sha256, size, analysis, created_at) "
            "VALUES (1, 'a.gcode', '1.gcode', '', 1, '{}', 0)"
        )
        await conn.execute(
            "INSERT INTO jobs (id, file_id, file_name, state, created_at) VALUES (1, 1, 'a.gcode', 'interrupted', 0)"
        )
        await conn.execute(
            "INSERT INTO recovery_points (job_id, line_index, byte_offset, layer, z, e, feedrate, hotend_target, "
            "bed_target, fan, absolute_e, created_at) VALUES (1, 99, 2048, 3, 0.8, 40.5, 1800, 215, 60, 255, 1, 5)"
        )
    db = Database(path)
    await db.open()
    try:
        loaded = await JobRepository(db).latest_recovery(1)
    finally:
        await db.close()
    assert loaded is not None and (loaded.line_index, loaded.z) == (99, 0.8)
    assert (loaded.x, loaded.y, loaded.feedrate_pct, loaded.flow_pct) == (0.0, 0.0, 100.0, 100.0)


async def test_recovery_point_without_a_time_gets_one(jobs: JobRepository, cube: StoredFile) -> None:
    job = await jobs.create(cube.id)
    await jobs.save_recovery(point(job.id, created_at=0.0))
    saved = await jobs.latest_recovery(job.id)
    assert saved is not None and saved.created_at > 0


async def test_recovery_point_for_an_unknown_job_is_refused(jobs: JobRepository) -> None:
    with pytest.raises(StoreError, match=r"FOREIGN KEY constraint failed"):
        await jobs.save_recovery(point(42))


async def test_jobs_alive_at_a_crash_are_marked_interrupted_with_their_last_line(
    db: Database, jobs: JobRepository, cube: StoredFile
) -> None:
    printing = await jobs.create(cube.id)
    await jobs.update_state(printing.id, JobState.PRINTING)
    await jobs.save_recovery(point(printing.id))
    paused = await jobs.create(cube.id)
    await jobs.update_state(paused.id, JobState.PAUSED)
    queued = await jobs.create(cube.id)
    completed = await jobs.create(cube.id)
    await jobs.update_state(completed.id, JobState.COMPLETED)

    db, jobs = await reopen(db)  # the process died here
    try:
        interrupted = await jobs.mark_interrupted_on_startup()
        assert [job.id for job in interrupted] == [printing.id, paused.id]
        first = await jobs.get(printing.id)
        assert first.state is JobState.INTERRUPTED
        assert first.detail == (
            "interrupted at line 1234 (layer 12, Z 2.40) while printing — power cut or crash; "
            "resume from layer 12 is possible"
        )
        assert first.finished_at == 1000.0  # the last moment the print was known to be alive
        second = await jobs.get(paused.id)
        assert second.state is JobState.INTERRUPTED
        assert "before any recovery point was saved" in second.detail
        assert (await jobs.get(queued.id)).state is JobState.QUEUED
        assert (await jobs.get(completed.id)).state is JobState.COMPLETED
        assert (await jobs.events(printing.id))[-1].detail == first.detail
        assert await jobs.mark_interrupted_on_startup() == []
    finally:
        await db.close()


async def test_concurrent_progress_and_state_writes_all_land(jobs: JobRepository, cube: StoredFile) -> None:
    job = await jobs.create(cube.id)
    await asyncio.gather(
        jobs.update_state(job.id, JobState.PRINTING),
        *(jobs.add_event(job.id, "note", str(index)) for index in range(20)),
        jobs.update_progress(job.id, 10, 100, 2),
    )
    assert len(await jobs.events(job.id)) == 22
    assert (await jobs.get(job.id)).lines_done == 10


async def test_a_new_job_has_no_statistics(jobs: JobRepository, cube: StoredFile) -> None:
    job = await jobs.create(cube.id)
    assert job.stats == {} and job.to_dict()["stats"] == {}


async def test_statistics_are_replaced_and_survive_a_restart(
    db: Database, jobs: JobRepository, cube: StoredFile
) -> None:
    job = await jobs.create(cube.id)
    await jobs.set_stats(job.id, {"lines": 10, "resends": 1})
    counters: dict[str, object] = {"lines": 44, "bytes": 1210, "resends": 2, "timeouts": 0, "ratio": 0.045}
    await jobs.set_stats(job.id, counters)
    db, jobs = await reopen(db)
    try:
        stored = await jobs.get(job.id)
        assert stored.stats == counters
        assert stored.to_dict()["stats"] == counters
    finally:
        await db.close()


async def test_statistics_that_are_not_json_are_refused_naming_the_job(jobs: JobRepository, cube: StoredFile) -> None:
    job = await jobs.create(cube.id)
    with pytest.raises(StoreError, match=rf"statistics of job {job.id} cannot be stored as JSON"):
        await jobs.set_stats(job.id, {"when": object()})
    with pytest.raises(StoreError, match=rf"statistics of job {job.id} cannot be stored as JSON: Out of range float"):
        await jobs.set_stats(job.id, {"ratio": float("nan")})
    assert (await jobs.get(job.id)).stats == {}
    with pytest.raises(NotFoundError, match=r"job 77 does not exist"):
        await jobs.set_stats(77, {})


async def test_damaged_statistics_never_make_a_job_unreadable(
    db: Database, jobs: JobRepository, cube: StoredFile, caplog: pytest.LogCaptureFixture
) -> None:
    job = await jobs.create(cube.id)
    await db.execute("UPDATE jobs SET stats = '{\"lines\": 4' WHERE id = ?", (job.id,))
    assert (await jobs.get(job.id)).stats == {}
    assert f"job {job.id} has unreadable statistics" in caplog.text

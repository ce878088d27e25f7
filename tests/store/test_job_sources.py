"""Jobs from text or a model: the schema upgrade that frees jobs from files, prepared jobs and their stages."""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest

from edge.core.errors import InvalidJobStateError, StoreError
from edge.store.db import Database
from edge.store.jobs import JobRepository
from edge.store.migrations import MIGRATIONS, apply_migrations
from edge.store.records import JobState
from edge.store.stages import StageRepository


async def test_the_upgrade_keeps_every_job_its_history_and_recovery_point(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await conn.execute("PRAGMA foreign_keys = ON")  # as an old PrintEdge had it: the rebuild must not cascade
        await apply_migrations(conn, path, [step for step in MIGRATIONS if step[0] < 8])
        await conn.execute(
            "INSERT INTO files (id, name, stored_name, sha256, size, analysis, created_at) "
            "VALUES (1, 'a.gcode', '1.gcode', '', 1, '{}', 0)"
        )
        for job_id, state in ((7, "interrupted"), (9, "completed")):
            await conn.execute(
                "INSERT INTO jobs (id, file_id, file_name, state, created_at, stats) VALUES (?, 1, 'a.gcode', ?, 0, ?)",
                (job_id, state, '{"lines": 3}'),
            )
            await conn.execute(
                "INSERT INTO job_events (job_id, kind, detail, created_at) VALUES (?, ?, 'old', 0)", (job_id, state)
            )
        await conn.execute(
            "INSERT INTO recovery_points (job_id, line_index, byte_offset, layer, z, e, feedrate, hotend_target, "
            "bed_target, fan, absolute_e, created_at) VALUES (7, 40, 800, 3, 0.6, 1.5, 1200, 210, 60, 255, 1, 5)"
        )
        await conn.execute("DELETE FROM jobs WHERE id = 9")
        await conn.execute("DELETE FROM job_events WHERE job_id = 9")
    db = Database(path)
    await db.open()
    try:
        jobs = JobRepository(db)
        old = await jobs.get(7)
        assert (old.state, old.file_id, old.source, old.stats) == (JobState.INTERRUPTED, 1, "gcode", {"lines": 3})
        assert [event.detail for event in await jobs.events(7)] == ["old"]
        point = await jobs.latest_recovery(7)
        assert point is not None and point.line_index == 40
        new = await jobs.create_prepared("text", "a 20 mm cube", "a 20 mm cube", {"material": "PETG"})
        assert new.id == 10, "an id of a deleted job is never given again"
        assert (new.state, new.file_id, new.options) == (JobState.PREPARING, None, {"material": "PETG"})
    finally:
        await db.close()


async def test_a_prepared_job_gets_its_sliced_file_and_is_never_claimed_before(db: Database) -> None:
    jobs = JobRepository(db)
    job = await jobs.create_prepared("model", "bracket.stl", "", {})
    assert await jobs.claim_next() is None
    await db.execute(
        "INSERT INTO files (id, name, stored_name, sha256, size, analysis, created_at) "
        "VALUES (4, 'bracket.gcode', '4.gcode', '', 10, '{}', 0)"
    )
    attached = await jobs.attach_file(job.id, 4, "bracket.gcode", 120, 4000)
    assert (attached.file_id, attached.file_name, attached.lines_total, attached.bytes_total) == (
        4,
        "bracket.gcode",
        120,
        4000,
    )
    await jobs.transition(job.id, JobState.AWAITING_CONFIRMATION, "sliced", allowed_from=[JobState.PREPARING])
    with pytest.raises(InvalidJobStateError, match="awaiting_confirmation"):
        await jobs.attach_file(job.id, 4, "other.gcode", 1, 1)


async def test_a_prepared_job_comes_from_text_or_a_model_only(db: Database) -> None:
    with pytest.raises(ValueError, match="'gcode'"):
        await JobRepository(db).create_prepared("gcode", "a.gcode", "", {})


async def test_stages_are_listed_in_order_with_their_state_and_output(db: Database) -> None:
    job = await JobRepository(db).create_prepared("text", "a cube", "a cube", {})
    stages = StageRepository(db)
    await stages.plan(job.id, ["research", "cad", "slice", "confirm"])
    await stages.update(job.id, "research", "done", progress=1.0, output={"part": "cube"})
    await stages.update(job.id, "cad", "running", progress=0.5, message="building")
    listed = await stages.list(job.id)
    assert [(s.stage, s.state, s.progress) for s in listed] == [
        ("research", "done", 1.0),
        ("cad", "running", 0.5),
        ("slice", "pending", 0.0),
        ("confirm", "pending", 0.0),
    ]
    assert listed[0].output == {"part": "cube"} and listed[0].finished_at is not None
    assert listed[1].started_at is not None and listed[1].finished_at is None
    assert await stages.output(job.id, "research") == {"part": "cube"}


async def test_bad_stage_updates_name_the_problem(db: Database) -> None:
    job = await JobRepository(db).create_prepared("text", "a cube", "a cube", {})
    stages = StageRepository(db)
    await stages.plan(job.id, ["research"])
    with pytest.raises(ValueError, match="'finished' is not one of"):
        await stages.update(job.id, "research", "finished")
    with pytest.raises(StoreError, match="no stage 'paint'"):
        await stages.update(job.id, "paint", "done")
    with pytest.raises(StoreError, match="cannot be stored as JSON"):
        await stages.update(job.id, "research", "done", output={"x": float("nan")})

"""Queue order: jobs print first-in first-out unless moved; removing is conditional; a resume goes first."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosqlite
import pytest

from edge.core.errors import InvalidJobStateError, NotFoundError, QueuePositionError
from edge.store.db import Database
from edge.store.files import FileStore, StoredFile
from edge.store.jobs import JobRepository
from edge.store.migrations import MIGRATIONS, apply_migrations
from edge.store.records import Job, JobState
from tests.store.store_helpers import CUBE, chunks


@pytest.fixture
async def cube(files: FileStore) -> StoredFile:
    """A stored file to print."""
    return await files.add("cube.gcode", chunks(CUBE))


async def queue_of(jobs: JobRepository) -> list[int]:
    return [job.id for job in await jobs.list(states=[JobState.QUEUED])]


async def make(jobs: JobRepository, cube: StoredFile, count: int) -> list[int]:
    return [(await jobs.create(cube.id)).id for _ in range(count)]


async def interrupted(jobs: JobRepository, cube: StoredFile) -> Job:
    job = await jobs.create(cube.id)
    await jobs.transition(job.id, JobState.PRINTING, allowed_from=[JobState.QUEUED])
    return await jobs.transition(job.id, JobState.INTERRUPTED, "power cut", allowed_from=[JobState.PRINTING])


async def test_jobs_queue_first_in_first_out(jobs: JobRepository, cube: StoredFile) -> None:
    ids = await make(jobs, cube, 3)
    assert await queue_of(jobs) == ids
    assert [job.id for job in await jobs.list()] == ids[::-1]  # the history view stays newest first
    assert (await jobs.next_queued()).id == ids[0]  # type: ignore[union-attr]


async def test_a_job_moved_to_position_zero_prints_next(jobs: JobRepository, cube: StoredFile) -> None:
    a, b, c = await make(jobs, cube, 3)
    queue = await jobs.reorder(c, 0)
    assert [job.id for job in queue] == [c, a, b]
    assert await queue_of(jobs) == [c, a, b]
    assert (await jobs.next_queued()).id == c  # type: ignore[union-attr]
    assert (await jobs.claim_next()).id == c  # type: ignore[union-attr]
    assert (await jobs.claim_next()).id == a  # type: ignore[union-attr]
    assert (await jobs.events(c))[-2].detail == "moved to queue position 0 of 3"


async def test_a_job_can_move_back_and_a_position_past_the_end_means_last(
    jobs: JobRepository, cube: StoredFile
) -> None:
    a, b, c, d = await make(jobs, cube, 4)
    assert [job.id for job in await jobs.reorder(a, 2)] == [b, c, a, d]
    assert [job.id for job in await jobs.reorder(b, 99)] == [c, a, d, b]
    new = (await jobs.create(cube.id)).id
    assert await queue_of(jobs) == [c, a, d, b, new]  # new jobs still join at the end


async def test_a_negative_position_is_refused_naming_the_range(jobs: JobRepository, cube: StoredFile) -> None:
    a, _, _ = await make(jobs, cube, 3)
    with pytest.raises(QueuePositionError, match=rf"cannot move job {a} to queue position -1: .*from 0 \(next\) to 2"):
        await jobs.reorder(a, -1)


async def test_only_a_queued_job_can_be_moved(jobs: JobRepository, cube: StoredFile) -> None:
    a, b = await make(jobs, cube, 2)
    await jobs.claim_next()
    with pytest.raises(InvalidJobStateError, match=rf"cannot move job {a}: it is printing, not queued"):
        await jobs.reorder(a, 0)
    with pytest.raises(NotFoundError, match=r"job 404 does not exist"):
        await jobs.reorder(404, 0)
    assert await queue_of(jobs) == [b]


async def test_a_removed_job_leaves_the_queue_as_cancelled(jobs: JobRepository, cube: StoredFile) -> None:
    a, b, c = await make(jobs, cube, 3)
    removed = await jobs.remove_queued(b)
    assert removed.state is JobState.CANCELLED and removed.detail == "removed from the queue"
    assert removed.finished_at is not None
    assert await queue_of(jobs) == [a, c]
    assert (await jobs.events(b))[-1].detail == "removed from the queue"


async def test_a_job_that_started_cannot_be_removed_from_the_queue(jobs: JobRepository, cube: StoredFile) -> None:
    (a,) = await make(jobs, cube, 1)
    await jobs.claim_next()
    with pytest.raises(InvalidJobStateError, match=rf"cannot remove job {a}: it is printing, not queued"):
        await jobs.remove_queued(a)
    assert (await jobs.get(a)).state is JobState.PRINTING


async def test_removing_and_claiming_the_same_job_at_once_lets_exactly_one_win(
    jobs: JobRepository, cube: StoredFile
) -> None:
    (a,) = await make(jobs, cube, 1)
    claimed, removed = await asyncio.gather(jobs.claim_next(), jobs.remove_queued(a), return_exceptions=True)
    if isinstance(removed, InvalidJobStateError):
        assert isinstance(claimed, Job) and claimed.state is JobState.PRINTING
    else:
        assert claimed is None and isinstance(removed, Job) and removed.state is JobState.CANCELLED
    assert len(await jobs.events(a)) == 2


async def test_a_resumed_job_goes_ahead_of_every_queued_job(jobs: JobRepository, cube: StoredFile) -> None:
    stopped = await interrupted(jobs, cube)
    a, b = await make(jobs, cube, 2)
    await jobs.reorder(b, 0)
    resumed = await jobs.requeue_for_resume(stopped.id, 1235)
    assert resumed.state is JobState.QUEUED and resumed.resume_from_line == 1235
    assert resumed.finished_at is None and resumed.started_at == stopped.started_at
    assert resumed.detail == "resume from line 1235 requested"
    assert await queue_of(jobs) == [stopped.id, b, a]
    claimed = await jobs.claim_next()
    assert claimed is not None and claimed.id == stopped.id and claimed.resume_from_line == 1235


async def test_only_an_interrupted_job_can_be_requeued_for_resume(jobs: JobRepository, cube: StoredFile) -> None:
    (a,) = await make(jobs, cube, 1)
    with pytest.raises(InvalidJobStateError, match=rf"cannot resume job {a}: it is queued, not interrupted"):
        await jobs.requeue_for_resume(a, 10)
    assert (await jobs.get(a)).resume_from_line == 0
    stopped = await interrupted(jobs, cube)
    with pytest.raises(ValueError, match=r"cannot resume from line -1"):
        await jobs.requeue_for_resume(stopped.id, -1)
    with pytest.raises(NotFoundError):
        await jobs.requeue_for_resume(999, 1)


async def test_any_way_back_from_interrupted_to_queued_goes_first_and_other_requeues_go_last(
    jobs: JobRepository, cube: StoredFile
) -> None:
    stopped = await interrupted(jobs, cube)
    a, b = await make(jobs, cube, 2)
    await jobs.remove_queued(a)
    await jobs.update_state(stopped.id, JobState.QUEUED, "resume requested")  # edge/jobs' way today
    await jobs.update_state(a, JobState.QUEUED, "queued again")
    assert await queue_of(jobs) == [stopped.id, b, a]


async def test_queue_order_survives_a_restart(db: Database, jobs: JobRepository, cube: StoredFile) -> None:
    a, b, c = await make(jobs, cube, 3)
    await jobs.reorder(c, 1)
    await db.close()
    again = Database(db.path)
    await again.open()
    try:
        assert await queue_of(JobRepository(again)) == [a, c, b]
    finally:
        await again.close()


async def test_jobs_queued_before_the_upgrade_keep_their_order(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await apply_migrations(conn, path, [step for step in MIGRATIONS if step[0] < 3])
        await conn.execute(
            "INSERT INTO files (id, name, stored_name, sha256, size, analysis, created_at) "
            "VALUES (1, 'a.gcode', '1.gcode', '', 1, '{}', 0)"
        )
        for job_id in (5, 3, 4):
            await conn.execute(
                "INSERT INTO jobs (id, file_id, file_name, state, created_at) VALUES (?, 1, 'a.gcode', 'queued', 0)",
                (job_id,),
            )
    db = Database(path)
    await db.open()
    try:
        assert await queue_of(JobRepository(db)) == [3, 4, 5]
    finally:
        await db.close()

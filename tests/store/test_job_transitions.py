"""Atomic job transitions: a state change happens only from the states it allows, so cancel and start never race."""

from __future__ import annotations

import asyncio

import pytest

from edge.core.errors import InvalidJobStateError, NotFoundError
from edge.store.db import Database
from edge.store.files import FileStore, StoredFile
from edge.store.jobs import JobRepository
from edge.store.records import JobState
from tests.store.store_helpers import CUBE, chunks

QUEUED = (JobState.QUEUED,)
LIVE = (JobState.QUEUED, JobState.PRINTING, JobState.PAUSED)


@pytest.fixture
async def cube(files: FileStore) -> StoredFile:
    """A stored file to print."""
    return await files.add("cube.gcode", chunks(CUBE))


async def test_an_allowed_transition_moves_the_job_and_records_it(jobs: JobRepository, cube: StoredFile) -> None:
    job = await jobs.create(cube.id)
    printing = await jobs.transition(job.id, JobState.PRINTING, "", allowed_from=QUEUED)
    assert printing.state is JobState.PRINTING
    assert printing.started_at is not None and printing.finished_at is None
    assert [(e.kind, e.detail) for e in await jobs.events(job.id)][-1] == ("printing", "queued -> printing")


async def test_a_refused_transition_names_the_job_its_state_and_the_action_and_changes_nothing(
    jobs: JobRepository, cube: StoredFile
) -> None:
    job = await jobs.create(cube.id)
    done = await jobs.update_state(job.id, JobState.COMPLETED, "printed")
    history = await jobs.events(job.id)
    with pytest.raises(InvalidJobStateError) as caught:
        await jobs.transition(job.id, JobState.CANCELLED, "cancelled by the user", allowed_from=LIVE)
    assert caught.value.message == f"cannot cancel job {job.id}: it is completed, not queued, printing or paused"
    assert (caught.value.job_id, caught.value.state, caught.value.action) == (job.id, "completed", "cancel")
    assert await jobs.get(job.id) == done
    assert await jobs.events(job.id) == history


async def test_the_action_in_the_error_can_be_named_by_the_caller(jobs: JobRepository, cube: StoredFile) -> None:
    job = await jobs.create(cube.id)
    with pytest.raises(InvalidJobStateError, match=rf"cannot resume job {job.id}: it is queued, not paused"):
        await jobs.transition(job.id, JobState.PRINTING, allowed_from=(JobState.PAUSED,), action="resume")


async def test_a_transition_of_a_missing_job_is_a_not_found_error(jobs: JobRepository) -> None:
    with pytest.raises(NotFoundError, match=r"job 41 does not exist"):
        await jobs.transition(41, JobState.CANCELLED, allowed_from=LIVE)


async def test_a_transition_that_allows_no_state_is_a_programming_error(jobs: JobRepository, cube: StoredFile) -> None:
    job = await jobs.create(cube.id)
    with pytest.raises(ValueError, match=r"allows no state to move from"):
        await jobs.transition(job.id, JobState.CANCELLED, allowed_from=())


async def test_started_at_is_the_first_start_and_finished_at_follows_the_state(
    jobs: JobRepository, cube: StoredFile
) -> None:
    job = await jobs.create(cube.id)
    first = await jobs.transition(job.id, JobState.PRINTING, allowed_from=QUEUED)
    await jobs.transition(job.id, JobState.PAUSED, allowed_from=(JobState.PRINTING,))
    again = await jobs.transition(job.id, JobState.PRINTING, allowed_from=(JobState.PAUSED,), action="resume")
    assert again.started_at == first.started_at
    stopped = await jobs.transition(job.id, JobState.INTERRUPTED, allowed_from=(JobState.PRINTING,))
    assert stopped.finished_at is not None
    queued = await jobs.transition(job.id, JobState.QUEUED, allowed_from=(JobState.INTERRUPTED,))
    assert queued.finished_at is None and queued.started_at == first.started_at


async def test_cancel_and_start_of_the_same_queued_job_never_both_succeed(
    jobs: JobRepository, cube: StoredFile
) -> None:
    created = [await jobs.create(cube.id) for _ in range(10)]
    outcomes = await asyncio.gather(
        *(
            call
            for job in created
            for call in (
                jobs.transition(job.id, JobState.PRINTING, allowed_from=QUEUED),
                jobs.transition(job.id, JobState.CANCELLED, "removed", allowed_from=QUEUED),
            )
        ),
        return_exceptions=True,
    )
    for job, start, cancel in zip(created, outcomes[0::2], outcomes[1::2], strict=True):
        won = [o for o in (start, cancel) if not isinstance(o, BaseException)]
        lost = [o for o in (start, cancel) if isinstance(o, InvalidJobStateError)]
        assert len(won) == 1 and len(lost) == 1, (start, cancel)
        final = await jobs.get(job.id)
        assert final.state in (JobState.PRINTING, JobState.CANCELLED)
        assert len(await jobs.events(job.id)) == 2  # queued, then exactly one transition


async def test_claim_next_takes_the_next_queued_job_to_printing(jobs: JobRepository, cube: StoredFile) -> None:
    assert await jobs.claim_next() is None
    first = await jobs.create(cube.id)
    second = await jobs.create(cube.id)
    claimed = await jobs.claim_next()
    assert claimed is not None and claimed.id == first.id
    assert claimed.state is JobState.PRINTING and claimed.started_at is not None
    assert (await jobs.claim_next()).id == second.id  # type: ignore[union-attr]
    assert await jobs.claim_next() is None


async def test_two_connections_claiming_at_once_never_get_the_same_job(
    db: Database, jobs: JobRepository, cube: StoredFile
) -> None:
    created = {(await jobs.create(cube.id)).id for _ in range(20)}
    other_db = Database(db.path)  # a second connection, as another process would have
    await other_db.open()
    try:
        other = JobRepository(other_db)

        async def drain(repo: JobRepository) -> list[int]:
            taken: list[int] = []
            while (job := await repo.claim_next()) is not None:
                taken.append(job.id)
                await asyncio.sleep(0)
            return taken

        mine, theirs = await asyncio.gather(drain(jobs), drain(other))
    finally:
        await other_db.close()
    assert sorted(mine + theirs) == sorted(created)
    assert not set(mine) & set(theirs)
    for job_id in created:
        assert [e.kind for e in await jobs.events(job_id)] == ["queued", "printing"]

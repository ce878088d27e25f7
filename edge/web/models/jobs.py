"""Models of the job and queue endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypedDict

from edge.core.events import JobProgress
from edge.store.jobs import JobEvent
from edge.store.records import Job, JobState, RecoveryPoint
from edge.web.models.common import MAX_ID
from edge.web.schema import Meta


@dataclass(frozen=True)
class NewJob:
    """Which stored file to print."""

    file_id: Annotated[int, Meta(description="a stored file's id", minimum=-MAX_ID, maximum=MAX_ID, example=1)]


@dataclass(frozen=True)
class JobsQuery:
    """Which jobs to list, newest first."""

    state: Annotated[list[JobState] | None, Meta(description="only jobs in these states, comma-separated")] = None
    limit: Annotated[int, Meta(description="at most this many jobs", minimum=1, maximum=1000)] = 100


@dataclass(frozen=True)
class ResumeRequest:
    """For an interrupted job: a person confirms the part is still attached and the nozzle is clear of it."""

    part_attached: bool = False
    nozzle_clear: bool = False


@dataclass(frozen=True)
class MoveRequest:
    """Where in the queue the job goes: 0 is next; past the end is last."""

    position: Annotated[int, Meta(minimum=0, maximum=MAX_ID)]


class JobHistory(TypedDict):
    """A job's history, oldest first, and its latest recovery point."""

    events: list[JobEvent]
    recovery: RecoveryPoint | None


class QueueStatus(TypedDict):
    """The running job, its progress and the bed-clear gate."""

    current: Job | None
    progress: JobProgress | None
    bed_clear: bool
    auto_continue: bool
    awaiting_bed_clear: bool
    unsaved: dict[str, JobState]


class Queued(TypedDict):
    """The queued jobs in the order they will print."""

    queued: list[Job]

"""What a running print reports, persisted for its job: phase, progress, recovery points."""

from __future__ import annotations

from edge.core.events import EventBus, JobStateChanged
from edge.printer.outcome import RunPhase
from edge.store.jobs import JobRepository
from edge.store.journal import RecoveryJournal
from edge.store.records import JobState, RecoveryPoint

_ACTIVE = (JobState.PRINTING, JobState.PAUSED)


class JobObserver:
    """The runner's observer for one stored job."""

    def __init__(self, jobs: JobRepository, job_id: int, bus: EventBus, journal: RecoveryJournal | None) -> None:
        self._jobs = jobs
        self._job_id = job_id
        self._bus = bus
        self._journal = journal
        self._phase = RunPhase.PRINTING  # the job was claimed as printing

    async def phase(self, phase: RunPhase, detail: str) -> None:
        """Persist a pause or a resume as the job's state."""
        if phase is self._phase:
            return
        state = JobState.PAUSED if phase is RunPhase.PAUSED else JobState.PRINTING
        await self._jobs.transition(self._job_id, state, detail, allowed_from=_ACTIVE)
        self._phase = phase
        self._bus.publish(JobStateChanged(job_id=self._job_id, state=state.value, detail=detail))

    async def progress(self, lines_done: int, bytes_done: int, layer: int) -> None:
        """Persist how far the printer got."""
        await self._jobs.update_progress(self._job_id, lines_done, bytes_done, layer)

    async def recovery(self, point: RecoveryPoint) -> None:
        """Persist a recovery point (fsynced by SQLite)."""
        await self._jobs.save_recovery(point)

    @property
    def journaling(self) -> bool:
        """Whether there is a crash journal to write to."""
        return self._journal is not None

    def journal(self, point: RecoveryPoint) -> None:
        """The newest point into the crash journal (a memory copy)."""
        if self._journal is not None:
            self._journal.write(point)

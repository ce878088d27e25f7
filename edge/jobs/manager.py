"""The job queue: FIFO, one job at a time, the next only once the bed is confirmed clear."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from edge.config.schema import JobsConfig
from edge.core.component import Health
from edge.core.errors import InvalidJobStateError, NotFoundError, PrinterError
from edge.core.events import EventBus, HostAction, LinkStateChanged
from edge.core.tasks import TaskSupervisor
from edge.printer.link import LinkState, PrinterLink
from edge.printer.runner import JobRunner
from edge.store.files import FileStore
from edge.store.jobs import JobRepository
from edge.store.records import Job, JobState

log = logging.getLogger("printedge.jobs")

STOP_PAUSE_TIMEOUT_S = 20.0


class JobManager:
    """Owns the queue and the running job; the API, the CLI and host actions all control jobs here."""

    name = "jobs"

    def __init__(
        self, link: PrinterLink, bus: EventBus, files: FileStore, jobs: JobRepository, config: JobsConfig
    ) -> None:
        self.link = link
        self._bus = bus
        self.files = files
        self.jobs = jobs
        self.config = config
        self.runner: JobRunner | None = None
        self.current: Job | None = None
        self.bed_clear = True
        self._wake = asyncio.Event()
        self._tasks = TaskSupervisor("jobs")

    # ---- component contract -------------------------------------------------------------

    async def start(self) -> None:
        """Mark jobs that died with the last process as interrupted, then serve the queue."""
        interrupted = await self.jobs.mark_interrupted_on_startup()
        for job in interrupted:
            log.warning("job %d was interrupted: %s", job.id, job.detail)
        # A half-printed part may still be on the bed.
        self.bed_clear = not interrupted
        self._tasks.spawn("queue", self._serve_queue, restart=True)
        self._tasks.spawn("events", self._follow_events, restart=True)
        self._wake.set()

    async def stop(self) -> None:
        """Pause the running job safely (recovery point written), then stop."""
        runner = self.runner
        if runner is not None and runner.state is JobState.PRINTING and self.link.state is LinkState.READY:
            runner.request_pause()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(STOP_PAUSE_TIMEOUT_S):
                    await runner.parked.wait()
        await self._tasks.cancel_all()

    def status(self) -> dict[str, object]:
        """JSON-ready snapshot of the queue."""
        runner = self.runner
        return {
            "current": self.current.to_dict() | {"state": runner.state.value} if self.current and runner else None,
            "progress": runner.progress().to_dict() if runner else None,
            "bed_clear": self.bed_clear,
            "auto_continue": self.config.auto_continue,
            "awaiting_bed_clear": not self.bed_clear and not self.config.auto_continue,
        }

    def health(self) -> Health:
        """Healthy while the queue task runs."""
        ok = self._tasks.running("queue")
        return Health(ok, "serving the queue" if ok else "queue task is not running")

    # ---- control surface ----------------------------------------------------------------

    async def enqueue(self, file_id: int) -> Job:
        """Add a print of a stored file to the end of the queue."""
        stored = await self.files.get(file_id)
        job = await self.jobs.create(stored.id)
        self._wake.set()
        return job

    async def pause(self, job_id: int) -> Job:
        """Pause the running job (park the head)."""
        runner = self._running(job_id, "pause", (JobState.PRINTING,))
        runner.request_pause()
        return await self.jobs.get(job_id)

    async def resume(self, job_id: int) -> Job:
        """Resume a paused job, or re-queue an interrupted one to continue from its recovery point."""
        job = await self.jobs.get(job_id)
        if job.state is JobState.INTERRUPTED:
            point = await self.jobs.latest_recovery(job_id)
            if point is None:
                raise InvalidJobStateError(job_id, "interrupted before any line ran", "resume")
            await self.jobs.set_resume(job_id, point.line_index + 1)
            await self.jobs.update_state(job_id, JobState.QUEUED, f"resume from line {point.line_index + 1} requested")
            self._wake.set()
            return await self.jobs.get(job_id)
        runner = self._running(job_id, "resume", (JobState.PAUSED,))
        runner.request_resume()
        return await self.jobs.get(job_id)

    async def cancel(self, job_id: int) -> Job:
        """Cancel a queued, running or paused job."""
        job = await self.jobs.get(job_id)
        if job.state is JobState.QUEUED:
            await self.jobs.update_state(job_id, JobState.CANCELLED, "cancelled before it started")
            return await self.jobs.get(job_id)
        runner = self._running(job_id, "cancel", (JobState.PRINTING, JobState.PAUSED))
        runner.request_cancel()
        return await self.jobs.get(job_id)

    def confirm_bed_clear(self) -> None:
        """A person says the bed is empty: the next queued job may start."""
        self.bed_clear = True
        self._wake.set()

    # ---- the queue ----------------------------------------------------------------------

    def _running(self, job_id: int, action: str, states: tuple[JobState, ...]) -> JobRunner:
        runner = self.runner
        if runner is None or self.current is None or self.current.id != job_id:
            raise InvalidJobStateError(job_id, "not the running job", action)
        if runner.state not in states:
            raise InvalidJobStateError(job_id, runner.state.value, action)
        return runner

    async def _serve_queue(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while await self._start_next():
                pass

    async def _start_next(self) -> bool:
        if self.runner is not None:
            return False
        if not self.bed_clear and not self.config.auto_continue:
            return False
        if self.link.state is not LinkState.READY:
            return False
        job = await self.jobs.next_queued()
        if job is None:
            return False
        try:
            path = await self.files.path_of(job.file_id)
            stored = await self.files.get(job.file_id)
        except NotFoundError as exc:
            await self.jobs.update_state(job.id, JobState.FAILED, f"cannot print: {exc.message}")
            return True
        point = await self.jobs.latest_recovery(job.id) if job.resume_from_line else None
        self.current = job
        self.runner = JobRunner(self.link, self._bus, self.jobs, self.config)
        self.bed_clear = False
        try:
            await self.runner.run(
                job.id,
                path,
                lines_total=stored.analysis.command_lines,
                estimated_time_s=stored.analysis.estimated_time_s,
                resume=point,
            )
        except (PrinterError, OSError) as exc:
            await self.jobs.update_state(job.id, JobState.FAILED, f"failed: {exc}")
        finally:
            self.runner = None
            self.current = None
        return True

    async def _follow_events(self) -> None:
        sub = self._bus.subscribe(LinkStateChanged, HostAction)
        try:
            async for event in sub:
                if isinstance(event, LinkStateChanged) and event.state == LinkState.READY.value:
                    self._wake.set()
                elif isinstance(event, HostAction):
                    self._host_action(event.action)
        finally:
            sub.close()

    def _host_action(self, action: str) -> None:
        runner = self.runner
        if runner is None:
            return
        if action in ("pause", "paused"):
            runner.request_pause()
        elif action in ("resume", "resumed"):
            runner.request_resume()
        elif action == "cancel":
            runner.request_cancel()

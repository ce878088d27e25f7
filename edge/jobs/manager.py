"""The job queue: one job at a time, in queue order; the next only once the bed is confirmed clear."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from edge.config.schema import JobsConfig, LimitsConfig
from edge.core.component import Health
from edge.core.errors import InterlockError, InvalidJobStateError, NotFoundError, PrintEdgeError, PrintRefusedError
from edge.core.events import EventBus, JobStateChanged, LinkStateChanged
from edge.core.tasks import TaskSupervisor
from edge.gcode.analysis import analyse
from edge.jobs.observer import JobObserver
from edge.printer.link import LinkState, PrinterLink
from edge.printer.outcome import RunOutcome, RunPhase, RunResult
from edge.printer.runner import JobRunner
from edge.store.files import FileStore
from edge.store.jobs import JobRepository
from edge.store.journal import RecoveryJournal
from edge.store.records import Job, JobState
from edge.store.state import ApplianceState

log = logging.getLogger("printedge.jobs")

_RESULT_STATES = {
    RunResult.COMPLETED: JobState.COMPLETED,
    RunResult.CANCELLED: JobState.CANCELLED,
    RunResult.INTERRUPTED: JobState.INTERRUPTED,
    RunResult.FAILED: JobState.FAILED,
}
_ACTIVE = (JobState.PRINTING, JobState.PAUSED)
BED_CLEAR = "bed_clear"
# A gate answers whether an action ("start", "resume", "reset") may go ahead: None, or the reason it may not.
Gate = Callable[[str], str | None]
# Runs before a queued job starts (power the printer on and wait for it); raising keeps the job queued.
BeforeStart = Callable[[], Awaitable[None]]
# How long to wait between attempts to record a job's end when the store refuses (a full disk).
PERSIST_RETRY_S = 2.0


class JobManager:
    """Owns the queue and the running job; the control surface is the only caller of its operations."""

    name = "jobs"

    def __init__(
        self,
        link: PrinterLink,
        bus: EventBus,
        files: FileStore,
        jobs: JobRepository,
        config: JobsConfig,
        limits: LimitsConfig,
        *,
        journal: RecoveryJournal | None = None,
    ) -> None:
        self.link = link
        self._bus = bus
        self.files = files
        self.jobs = jobs
        self.config = config
        self.limits = limits
        self.journal = journal
        self.runner: JobRunner | None = None
        self.current: Job | None = None
        self.bed_clear = True
        self.unsaved: dict[int, tuple[JobState, str]] = {}
        self._state = ApplianceState(jobs.db)
        self._wake = asyncio.Event()
        self._tasks = TaskSupervisor("jobs")
        self._run_task: asyncio.Task[bool] | None = None
        self._gates: list[Gate] = []
        self._before_start: list[BeforeStart] = []
        self._held_by = ""

    # ---- component contract -------------------------------------------------------------

    async def start(self) -> None:
        """Bring in the journal's newest point, mark jobs that died with the last process interrupted, serve."""
        await self._recover_journal()
        interrupted = await self.jobs.mark_interrupted_on_startup()
        for job in interrupted:
            log.warning("job %d was interrupted: %s", job.id, job.detail)
        # A half-printed part may still be on the bed.
        # A part may still be on the bed: a job ended (or was cut short) since a person last said it is clear.
        self.bed_clear = await self._state.get_bool(BED_CLEAR, True) and not interrupted
        self._tasks.spawn("queue", self._serve_queue, restart=True)
        self._tasks.spawn("link-ready", self._follow_link, restart=True)
        if self.journal is not None:
            self._tasks.spawn("journal-sync", self._sync_journal, restart=True)
        self._wake.set()

    async def prepare_stop(self) -> None:
        """The service is stopping: end a running job safely (break a wait, park, interrupted) within the deadline."""
        runner, task = self.runner, self._run_task
        if runner is None or task is None or task.done():
            return
        log.warning(
            "stopping: job %d is %s; parking it (at most %g s)", runner.job_id, runner.phase, self.config.stop_timeout_s
        )
        runner.request_stop("a service stop (SIGTERM)")
        try:
            async with asyncio.timeout(self.config.stop_timeout_s):
                await asyncio.shield(task)
        except TimeoutError:
            log.error(
                "stopping: job %d did not finish parking within %g s; giving up",
                runner.job_id,
                self.config.stop_timeout_s,
            )

    async def stop(self) -> None:
        """Cancel the queue (a job still running is recorded interrupted), then stop."""
        await self._tasks.cancel_all()
        if self.journal is not None:
            await self.journal.sync()

    def status(self) -> dict[str, object]:
        """JSON-ready snapshot of the queue."""
        runner = self.runner
        current = None
        if self.current is not None and runner is not None:
            current = self.current.to_dict() | {"state": runner.phase.value}
        return {
            "current": current,
            "progress": runner.progress().to_dict() if runner else None,
            "bed_clear": self.bed_clear,
            "auto_continue": self.config.auto_continue,
            "awaiting_bed_clear": not self.bed_clear and not self.config.auto_continue,
            "unsaved": {str(job_id): state.value for job_id, (state, _) in self.unsaved.items()},
        }

    def health(self) -> Health:
        """Healthy while the queue task runs and every job's end is recorded."""
        if not self._tasks.running("queue"):
            return Health(False, "queue task is not running")
        if self.unsaved:
            return Health(False, f"cannot record the end of job(s) {sorted(self.unsaved)}: the store refuses")
        return Health(True, "serving the queue")

    # ---- interlocks --------------------------------------------------------------------------

    def add_gate(self, gate: Gate) -> None:
        """Consult `gate` before a job starts or resumes (and before a reset): sensors refuse through it."""
        self._gates.append(gate)

    def add_before_start(self, hook: BeforeStart) -> None:
        """Run `hook` before each queued job starts (the PSU relay powers the printer on)."""
        self._before_start.append(hook)

    def remove_interlocks(self, gate: Gate, hook: BeforeStart | None = None) -> None:
        """Forget a gate and a start hook that a stopping component had added."""
        if gate in self._gates:
            self._gates.remove(gate)
        if hook is not None and hook in self._before_start:
            self._before_start.remove(hook)

    def refusal(self, action: str) -> str | None:
        """The first gate's reason to refuse `action`, or None when every gate allows it."""
        for gate in self._gates:
            reason = gate(action)
            if reason:
                return reason
        return None

    def check_gates(self, action: str) -> None:
        """Raise InterlockError when a gate refuses `action`."""
        reason = self.refusal(action)
        if reason:
            raise InterlockError(action, reason)

    # ---- operations (called by the control surface) -------------------------------------

    @property
    def printing(self) -> bool:
        """Whether a job is running (printing or paused)."""
        return self.runner is not None

    async def enqueue(self, file_id: int) -> Job:
        """Add a print of a stored file to the end of the queue; refused when it breaks the temperature limits."""
        stored = await self.files.get(file_id)
        analysis = stored.analysis
        if analysis.hotend_max_c is None or analysis.bed_max_c is None:
            # Stored before temperatures were part of the analysis: look again, off the event loop.
            path = await self.files.path_of(file_id)
            analysis = await analyse(path, self.files.max_line_length, stored.name)
        problem = analysis.temperature_problem(self.limits)
        if problem:
            raise PrintRefusedError(file_id, stored.name, problem)
        job = await self.jobs.create(stored.id)
        self._wake.set()
        return job

    async def pause(self, job_id: int) -> Job:
        """Pause the running job (park the head)."""
        self._running(job_id, "pause", RunPhase.PRINTING).request_pause()
        return await self.jobs.get(job_id)

    async def resume(self, job_id: int) -> Job:
        """Resume a paused job (unless a gate refuses: filament out, door open)."""
        runner = self._running(job_id, "resume", RunPhase.PAUSED)
        self.check_gates("resume")
        runner.request_resume()
        return await self.jobs.get(job_id)

    async def resume_interrupted(self, job_id: int) -> Job:
        """Queue an interrupted job ahead of all others, to continue from its recovery point (no bed-clear gate)."""
        job = await self.jobs.get(job_id)
        if job.state is not JobState.INTERRUPTED:
            raise InvalidJobStateError(job_id, job.state.value, "resume", [JobState.INTERRUPTED.value])
        point = await self.jobs.latest_recovery(job_id)
        if point is None or point.line_index < 0:
            raise InvalidJobStateError(job_id, "interrupted before any line ran", "resume")
        job = await self.jobs.requeue_for_resume(job_id, point.line_index + 1)
        self._wake.set()
        return job

    async def cancel(self, job_id: int) -> Job:
        """Cancel a queued, running or paused job."""
        job = await self.jobs.get(job_id)
        if job.state is JobState.QUEUED:
            with contextlib.suppress(InvalidJobStateError):
                return await self.jobs.remove_queued(job_id)
            job = await self.jobs.get(job_id)  # it started meanwhile: cancel the running job
        runner = self.runner
        if runner is None or self.current is None or self.current.id != job_id:
            raise InvalidJobStateError(
                job_id, job.state.value, "cancel", [s.value for s in (JobState.QUEUED, *_ACTIVE)]
            )
        runner.request_cancel()
        return await self.jobs.get(job_id)

    async def remove_queued(self, job_id: int) -> Job:
        """Take a queued job out of the queue."""
        return await self.jobs.remove_queued(job_id)

    async def reorder(self, job_id: int, position: int) -> list[Job]:
        """Move a queued job to a queue position (0 = next)."""
        jobs = await self.jobs.reorder(job_id, position)
        self._wake.set()
        return jobs

    def wake(self) -> None:
        """A job was queued from elsewhere (the pipeline): look at the queue again."""
        self._wake.set()

    async def confirm_bed_clear(self) -> None:
        """A person says the bed is empty: the next queued job may start."""
        self.bed_clear = True
        await self._state.set(BED_CLEAR, True)
        self._wake.set()

    # ---- the queue ----------------------------------------------------------------------

    def _running(self, job_id: int, action: str, phase: RunPhase) -> JobRunner:
        runner = self.runner
        if runner is None or self.current is None or self.current.id != job_id:
            raise InvalidJobStateError(job_id, "not the running job", action)
        if runner.phase is not phase:
            raise InvalidJobStateError(job_id, runner.phase.value, action, [phase.value])
        return runner

    async def _serve_queue(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while True:
                self._run_task = asyncio.ensure_future(self._start_next())
                if not await self._run_task:
                    break

    async def _start_next(self) -> bool:
        if self.runner is not None:
            return False
        nxt = await self.jobs.next_queued()
        if nxt is None:
            return False
        resuming = nxt.resume_from_line > 0
        if not resuming and not self.bed_clear and not self.config.auto_continue:
            return False
        if not await self._interlocks_allow(nxt.id):
            return False
        if self.link.state is not LinkState.READY:
            return False
        job = await self.jobs.claim_next("resuming from its recovery point" if resuming else "started")
        if job is None:
            return False
        try:
            if job.file_id is None:
                raise NotFoundError("G-code file of job", job.id)
            path = await self.files.path_of(job.file_id)
            stored = await self.files.get(job.file_id)
            point = await self.jobs.latest_recovery(job.id) if resuming else None
        except NotFoundError as exc:
            await self._finish(job, RunOutcome(RunResult.FAILED, f"cannot print: {exc.message}"))
            return True
        runner = JobRunner(self.link, self._bus, JobObserver(self.jobs, job.id, self._bus, self.journal), self.config)
        if point is not None:
            runner.resuming_at(point)
        self.current, self.runner = job, runner
        self.bed_clear = False
        self._bus.publish(JobStateChanged(job_id=job.id, state=JobState.PRINTING.value, detail=job.detail))
        outcome = RunOutcome(RunResult.INTERRUPTED, "the service stopped before the job ended")
        try:
            await self._state.set(BED_CLEAR, False)
            outcome = await runner.run(
                job.id,
                path,
                lines_total=stored.analysis.command_lines,
                estimated_time_s=stored.analysis.estimated_time_s,
                resume=point,
            )
        finally:
            # Shielded: a cancelled queue task (service stop) still records how the job ended.
            await asyncio.shield(self._finish(job, outcome))
        return True

    async def _interlocks_allow(self, job_id: int) -> bool:
        """Gates first (the job waits, queued, until the sensor that refused calls wake()), then the hooks."""
        reason = self.refusal("start")
        if reason:
            if reason != self._held_by:
                log.warning("job %d waits in the queue: %s", job_id, reason)
            self._held_by = reason
            return False
        self._held_by = ""
        for hook in self._before_start:
            try:
                await hook()
            except PrintEdgeError as exc:
                log.error("job %d cannot start yet: %s", job_id, exc.message)
                return False
        return True

    async def _finish(self, job: Job, outcome: RunOutcome) -> None:
        """Record how the job ended, then let it go and announce it; if the store refuses (a full disk), retry.

        In this order, whoever sees the job no longer running (status, the end event) reads its end in the store.
        """
        state = _RESULT_STATES[outcome.result]
        try:
            await self._persist_end(job.id, state, outcome)
        except PrintEdgeError as exc:
            log.error("job %d ended %s but cannot be recorded (%s); retrying", job.id, state.value, exc.message)
            self.unsaved[job.id] = (state, outcome.detail)
            self._tasks.spawn(f"persist-{job.id}", lambda: self._persist_later(job.id, state, outcome))
        finally:
            self.runner = None
            self.current = None
            self._bus.publish(JobStateChanged(job_id=job.id, state=state.value, detail=outcome.detail))

    async def _persist_end(self, job_id: int, state: JobState, outcome: RunOutcome) -> None:
        await self.jobs.transition(job_id, state, outcome.detail, allowed_from=_ACTIVE)
        if outcome.stats:
            await self.jobs.set_stats(job_id, outcome.stats)

    async def _persist_later(self, job_id: int, state: JobState, outcome: RunOutcome) -> None:
        while True:
            await asyncio.sleep(PERSIST_RETRY_S)
            try:
                await self._persist_end(job_id, state, outcome)
            except PrintEdgeError as exc:
                log.debug("job %d still cannot be recorded: %s", job_id, exc.message)
                continue
            self.unsaved.pop(job_id, None)
            log.info("job %d: its end (%s) is recorded now", job_id, state.value)
            return

    async def _recover_journal(self) -> None:
        """A crash leaves the journal's point newer than the database's: keep the newer one."""
        journal = self.journal
        if journal is None:
            return
        await journal.open()
        point = await journal.read()
        if point is None:
            return
        with contextlib.suppress(NotFoundError):
            job = await self.jobs.get(point.job_id)
            if job.state not in _ACTIVE:
                return
            stored = await self.jobs.latest_recovery(point.job_id)
            if stored is None or point.line_index > stored.line_index:
                await self.jobs.save_recovery(point)
                log.info("job %d: recovery point from the journal (line %d)", point.job_id, point.line_index)

    async def _sync_journal(self) -> None:
        assert self.journal is not None
        while True:
            await asyncio.sleep(self.config.recovery_interval_s)
            if self.runner is not None:
                await self.journal.sync()

    async def _follow_link(self) -> None:
        sub = self._bus.subscribe(LinkStateChanged)
        try:
            async for event in sub:
                if isinstance(event, LinkStateChanged) and event.state == LinkState.READY.value:
                    self._wake.set()
        finally:
            sub.close()

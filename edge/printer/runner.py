"""The job runner: streams one stored G-code file, follows what the printer finished, pauses, resumes, stops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from edge.config.schema import JobsConfig
from edge.core.errors import CommandRejectedError, PrintEdgeError, PrinterError
from edge.core.events import EventBus, FragmentDetected, JobProgress
from edge.gcode.commands import line_kind
from edge.gcode.machine import MachineState
from edge.gcode.text import command_word, parse_command, strip_comment
from edge.printer.core_events import FragmentRan
from edge.printer.link import PrinterLink
from edge.printer.outcome import RunObserver, RunOutcome, RunPhase, RunResult
from edge.printer.reader import read_lines
from edge.printer.scripts import park_script, resume_script, unpark_script
from edge.store.records import RecoveryPoint

log = logging.getLogger("printedge.printer.runner")

PROGRESS_INTERVAL_S = 0.25
# A move this long on some axis certainly takes a planner block (more than one motor step on any printer).
MIN_BLOCK_MM = 0.05
MAX_FRAGMENTS_KEPT = 50


@dataclass(slots=True)
class LineTag:
    """What the runner needs again once the printer has finished a line."""

    index: int  # 0-based line of the file (-1 for commands that are not the file's)
    end: int  # byte offset after the line
    layer: int
    word: str
    values: dict[str, float]


class _Cancelled(Exception):
    pass


class _Stopped(Exception):
    pass


class JobRunner:
    """Prints one file through the printer link; progress and recovery follow what the printer finished."""

    def __init__(self, link: PrinterLink, bus: EventBus, observer: RunObserver, config: JobsConfig) -> None:
        self.link = link
        self._bus = bus
        self._observer = observer
        self.config = config
        self.job_id = 0
        self.phase = RunPhase.PRINTING
        self.machine = MachineState()  # after the last line the printer certainly finished
        self.planned = MachineState()  # after the last line sent
        self.lines_done = 0
        self.lines_total = 0
        self.bytes_done = 0
        self.bytes_total = 0
        self.layer = 0
        self.last_index = -1
        self.estimated_time_s: float | None = None
        self.fragments: list[dict[str, object]] = []
        self._started = 0.0
        self._paused_total = 0.0
        self._paused_since: float | None = None
        self._pause = asyncio.Event()
        self._resume = asyncio.Event()
        self._cancel = asyncio.Event()
        self._stop = asyncio.Event()
        self._stop_reason = ""
        self._failure: BaseException | None = None
        self._last_publish = 0.0
        self._last_save = 0.0
        self._save_task: asyncio.Task[None] | None = None
        self._save_again = False
        self._parked: MachineState | None = None
        self.parked = asyncio.Event()

    # ---- control ------------------------------------------------------------------------

    def request_pause(self) -> None:
        """Stop feeding lines, park the head and wait."""
        if self.phase is RunPhase.PRINTING and not self._stop.is_set():
            self._resume.clear()
            self._pause.set()

    def request_resume(self) -> None:
        """Restore the head and continue."""
        self._pause.clear()
        self._resume.set()

    def request_cancel(self) -> None:
        """Stop, run the end script and finish as cancelled."""
        self._cancel.set()
        self._resume.set()

    def request_stop(self, reason: str) -> None:
        """The service is stopping: break a wait, park where safe, finish as interrupted (resumable)."""
        self._stop_reason = reason
        self._stop.set()
        self._resume.set()

    @property
    def pausing(self) -> bool:
        """A pause was asked for and the head is not parked yet."""
        return self._pause.is_set() and self.phase is RunPhase.PRINTING

    @property
    def resuming(self) -> bool:
        """A resume was asked for and the head is not back at the part yet."""
        return self._resume.is_set() and self.phase is RunPhase.PAUSED and not self.cancelling

    @property
    def cancelling(self) -> bool:
        """A cancel was asked for and the run has not ended yet."""
        return self._cancel.is_set()

    async def manual(self, command: str) -> asyncio.Future[None]:
        """A command a person sends while the job runs (already allowed by policy): followed by the machine model."""
        word, values = parse_command(command)
        self.planned.apply_parsed(word, values)
        tag = LineTag(-1, -1, -1, word, values)
        return await self.link.submit(command, priority=True, tag=tag)

    def resuming_at(self, point: RecoveryPoint) -> None:
        """Report the layer a resumed job continues at from now, before run() has read its way there."""
        self.layer = point.layer

    def progress(self) -> JobProgress:
        """The current progress as an event (lines and bytes the printer has finished)."""
        return JobProgress(
            job_id=self.job_id,
            lines_done=self.lines_done,
            lines_total=self.lines_total,
            bytes_done=self.bytes_done,
            bytes_total=self.bytes_total,
            layer=self.layer,
            elapsed_s=round(self.elapsed(), 2),
            eta_s=self.eta(),
        )

    def elapsed(self) -> float:
        """Printing time so far, without pauses."""
        if not self._started:
            return 0.0
        paused = self._paused_total + (time.monotonic() - self._paused_since if self._paused_since else 0.0)
        return time.monotonic() - self._started - paused

    def eta(self) -> float | None:
        """Seconds left: the slicer's estimate corrected by the measured pace, or the pace alone."""
        if not self.bytes_total:
            return None
        done = self.bytes_done / self.bytes_total
        elapsed = self.elapsed()
        if self.estimated_time_s:
            if done < 0.02 or elapsed < 5:
                return round(self.estimated_time_s * (1 - done), 1)
            pace = elapsed / (self.estimated_time_s * done)
            return round(self.estimated_time_s * (1 - done) * pace, 1)
        if done <= 0:
            return None
        return round(elapsed * (1 - done) / done, 1)

    # ---- printing -----------------------------------------------------------------------

    async def run(
        self,
        job_id: int,
        path: Path,
        *,
        lines_total: int,
        estimated_time_s: float | None = None,
        resume: RecoveryPoint | None = None,
    ) -> RunOutcome:
        """Print the file; returns how the run ended. Unexpected errors end it failed, heaters off."""
        self.job_id = job_id
        self.lines_total = lines_total
        self.bytes_total = (await asyncio.to_thread(path.stat)).st_size
        self.estimated_time_s = estimated_time_s
        self._started = time.monotonic()
        link = self.link
        start_stats = link.stats.copy()
        link.core.flow.start_job()
        link.on_finished = self._on_finished
        link.on_fragment = self._on_fragment
        try:
            outcome = await self._run(path, resume)
        finally:
            if link.on_finished == self._on_finished:
                link.on_finished = None
                link.on_fragment = None
        outcome.stats = link.stats.since(start_stats).to_dict() | {"fragment_reports": self.fragments}
        log.info("job %d %s: %s", job_id, outcome.result.value, outcome.detail)
        return outcome

    async def _run(self, path: Path, resume: RecoveryPoint | None) -> RunOutcome:
        try:
            await self._observer.phase(RunPhase.PRINTING, "resuming after an interruption" if resume else "started")
            await self._until_interrupted(self._stream_and_finish(path, resume))
        except _Cancelled:
            return await self._cancelled()
        except _Stopped:
            return await self._stopped()
        except CommandRejectedError as exc:
            return await self._failed(exc)
        except PrinterError as exc:
            return await self._interrupted(exc)
        except PrintEdgeError as exc:  # a store error, a full disk: known, said in one line
            log.error("job %d cannot go on: %s", self.job_id, exc.message)
            return await self._failed(exc)
        except Exception as exc:  # no job may stay printing: a bug ends it failed too, heaters off
            log.exception("job %d failed unexpectedly", self.job_id)
            return await self._failed(exc)
        self.bytes_done = self.bytes_total  # trailing comments count as done too
        await self._flush_recovery()
        return RunOutcome(RunResult.COMPLETED, f"{self.lines_done} lines in {self.elapsed():.0f} s")

    async def _until_interrupted(self, work: object) -> None:
        """Run the streaming, but let a cancel or a stop break in even while it waits for the printer."""
        assert asyncio.iscoroutine(work)
        task = asyncio.ensure_future(work)
        cancel = asyncio.ensure_future(self._cancel.wait())
        stop = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({task, cancel, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            cancel.cancel()
            stop.cancel()
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, PrinterError):
                    await task
        if self._stop.is_set():
            raise _Stopped
        if self._cancel.is_set():
            raise _Cancelled
        task.result()

    async def _stream_and_finish(self, path: Path, resume: RecoveryPoint | None) -> None:
        await self._stream(path, resume)
        await self._finish_moves()

    async def _stream(self, path: Path, resume: RecoveryPoint | None) -> None:
        layer = 0
        skip_to = resume.line_index if resume else -1
        if resume is not None:
            self.machine = machine_from(resume)
            self.planned = self.machine.copy()
        link = self.link
        planned = self.planned
        async for index, end, text in read_lines(path):
            if ";" in text:
                layer = self._layer_marker(text, layer)
            command = strip_comment(text)
            if not command:
                continue
            if index <= skip_to:
                self.lines_done += 1
                self.bytes_done = end
                self.last_index = index
                if index == skip_to and resume is not None:
                    self.layer = layer
                    # Show where the job resumes before the preamble heats and homes, which takes minutes.
                    self._bus.publish(self.progress())
                    await self._resume_preamble(resume)
                continue
            word, values = parse_command(command)
            if word == "M73" and "L" in values:
                layer = int(values["L"])
            if self._pause.is_set() or self._failure is not None:
                await self._gate()
            blocks = planned.apply_parsed(word, values) >= MIN_BLOCK_MM
            tag = LineTag(index, end, layer, word, values)
            if not link.offer(command, word, blocks=blocks, tag=tag):
                await link.room()
                link.offer(command, word, blocks=blocks, tag=tag)

    async def _finish_moves(self) -> None:
        await self.link.wait_idle()
        # M400 waits for the planner to empty, so "completed" means the last move really ran.
        await self.link.finish_moves()

    def _layer_marker(self, text: str, layer: int) -> int:
        comment = text[text.find(";") :].strip()
        if comment.startswith(";LAYER_CHANGE"):
            return layer + 1
        if comment.startswith(";LAYER:"):
            with contextlib.suppress(ValueError):
                return int(comment[7:].strip()) + 1
        return layer

    def _on_finished(self, tags: list[object]) -> None:
        """The printer certainly finished these lines (called by the link, in order)."""
        machine = self.machine
        job_line = False
        for tag in tags:
            if not isinstance(tag, LineTag):
                continue
            machine.apply_parsed(tag.word, tag.values)
            if tag.index < 0:
                continue
            job_line = True
            self.lines_done += 1
            self.bytes_done = tag.end
            self.last_index = tag.index
            if tag.layer != self.layer:
                self.layer = tag.layer
                self._save_recovery_soon()
        if not job_line:
            return
        if self._observer.journaling:
            self._observer.journal(self.recovery_point())
        now = time.monotonic()
        if now - self._last_save >= self.config.recovery_interval_s:
            self._save_recovery_soon()
        if now - self._last_publish >= PROGRESS_INTERVAL_S:
            self._last_publish = now
            self._bus.publish(self.progress())

    def _on_fragment(self, event: FragmentRan) -> None:
        candidates = tuple(tag.index + 1 for tag in event.tags if isinstance(tag, LineTag) and tag.index >= 0)
        if len(self.fragments) < MAX_FRAGMENTS_KEPT:
            self.fragments.append(
                {"ran": not event.unknown, "file_lines": list(candidates), "at_s": round(self.elapsed(), 1)}
            )
        self._bus.publish(FragmentDetected(job_id=self.job_id, candidates=candidates, ran=not event.unknown))

    async def _gate(self) -> None:
        if self._failure is not None:
            raise self._failure
        if not self._pause.is_set():
            return
        await self._park()
        await self._wait_for_resume()
        if self._cancel.is_set() or self._stop.is_set():
            return
        await self._unpark()

    async def _wait_for_resume(self) -> None:
        """Wait while paused; an emergency stop or a lost printer meanwhile ends the job (PrinterError)."""
        resumed = asyncio.ensure_future(self._resume.wait())
        broken = asyncio.ensure_future(self.link.until_unusable())
        try:
            await asyncio.wait({resumed, broken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            resumed.cancel()
            broken.cancel()
        if broken.done() and not broken.cancelled() and broken.exception() is not None:
            raise broken.exception()  # type: ignore[misc]

    # ---- pause / resume / cancel / stop -------------------------------------------------

    async def _drain(self) -> None:
        """Wait until every line sent has finished, so the machine model is exactly where the printer is."""
        await self.link.wait_idle()
        await self.link.finish_moves()

    async def _park(self) -> None:
        await self._drain()
        self._parked = self.machine.copy()
        for command in park_script(self.config, self.machine):
            await self.link.send(command)
        self._paused_since = time.monotonic()
        await self._flush_recovery()
        self.phase = RunPhase.PAUSED
        await self._observer.phase(RunPhase.PAUSED, f"paused at line {self.last_index + 1}, layer {self.layer}")
        self.parked.set()

    async def _unpark(self) -> None:
        parked = self._parked or self.machine
        for command in unpark_script(self.config, parked):
            await self.link.send(command)
        self.machine = parked.copy()
        self.planned = parked.copy()
        self.parked.clear()
        if self._paused_since is not None:
            self._paused_total += time.monotonic() - self._paused_since
            self._paused_since = None
        self.phase = RunPhase.PRINTING
        await self._observer.phase(RunPhase.PRINTING, "resumed")

    async def _resume_preamble(self, point: RecoveryPoint) -> None:
        """Put the nozzle back where the interrupted job was, without homing Z into the part."""
        for command in resume_script(self.config, point):
            await self.link.send(command)
        self.machine = machine_from(point)
        self.planned = self.machine.copy()

    async def _cancelled(self) -> RunOutcome:
        self.link.clear_pending()
        waiting = self._waiting_for()
        if waiting:
            self.link.break_wait()
            log.info("job %d: cancelled while %s; M108 sent to end the wait", self.job_id, waiting)
        with contextlib.suppress(PrinterError):
            await self.link.wait_idle()
        await self._end_script("cancel")
        await self._flush_recovery()
        return RunOutcome(RunResult.CANCELLED, f"cancelled at line {self.last_index + 1}, layer {self.layer}")

    async def _stopped(self) -> RunOutcome:
        """A service stop: break a wait, let the moves finish, park where that is safe, hotend off."""
        link = self.link
        dropped = link.clear_pending()
        waiting = self._waiting_for()
        log.warning(
            "job %d: %s; stopping at line %d (layer %d)%s; %d queued lines dropped",
            self.job_id,
            self._stop_reason,
            self.last_index + 1,
            self.layer,
            f" while {waiting}" if waiting else "",
            dropped,
        )
        if waiting:
            by_parser = link.break_wait()
            log.warning(
                "job %d: M108 sent to end the wait (%s)", self.job_id, "emergency parser" if by_parser else "when read"
            )
        try:
            await self._drain()
            log.warning("job %d: the printer finished its moves", self.job_id)
            if self.parked.is_set():
                log.warning("job %d: already parked (paused)", self.job_id)
            else:
                for command in park_script(self.config, self.machine):
                    await link.send(command)
                homed = self.machine.homed_x and self.machine.homed_y
                log.warning(
                    "job %d: %s",
                    self.job_id,
                    "parked (retract, lift, move away)"
                    if homed
                    else "retracted and lifted; not moved away in X/Y, which were never homed",
                )
            await link.send("M104 S0")
            log.warning(
                "job %d: hotend heater off; the bed stays at its target so the part stays attached", self.job_id
            )
        except PrinterError as exc:
            log.warning("job %d: the printer did not finish the stop sequence: %s", self.job_id, exc)
        await self._flush_recovery()
        detail = (
            f"interrupted by {self._stop_reason} at line {self.last_index + 1} (layer {self.layer}, "
            f"Z {self.machine.z:g})" + (f" while {waiting}" if waiting else "") + "; it can be resumed"
        )
        return RunOutcome(RunResult.INTERRUPTED, detail)

    def _waiting_for(self) -> str:
        """What the printer is waiting for, if a long command is in flight (heating, homing, dwelling)."""
        waits = self.link.core.unfinished_waits()
        return _describe_wait(waits[0]) if waits else ""

    async def _interrupted(self, exc: PrinterError) -> RunOutcome:
        await self._flush_recovery()
        detail = (
            f"interrupted at line {self.last_index + 1} (layer {self.layer}, Z {self.machine.z:g}): {exc.message}; "
            "the job can be resumed from its recovery point"
        )
        return RunOutcome(RunResult.INTERRUPTED, detail)

    async def _failed(self, exc: BaseException) -> RunOutcome:
        """An error no resume can fix: the end script turns the heaters off, the job ends failed."""
        self.link.clear_pending()
        await self._end_script("failure")
        with contextlib.suppress(Exception):
            await self._flush_recovery()
        reason = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        return RunOutcome(RunResult.FAILED, f"failed at line {self.last_index + 1}, layer {self.layer}: {reason}")

    async def _end_script(self, why: str) -> None:
        try:
            for command in self.config.end_script:
                await self.link.send(command)
        except PrinterError as exc:
            log.warning("end script after %s failed: %s", why, exc)

    # ---- persistence --------------------------------------------------------------------

    def recovery_point(self) -> RecoveryPoint:
        """The machine state after the last line the printer certainly finished."""
        m = self.machine
        return RecoveryPoint(
            job_id=self.job_id,
            line_index=self.last_index,
            byte_offset=self.bytes_done,
            layer=self.layer,
            x=m.x,
            y=m.y,
            z=m.z,
            e=m.e,
            feedrate=m.feedrate,
            hotend_target=m.hotend_target,
            bed_target=m.bed_target,
            fan=m.fan,
            absolute_e=m.absolute_e,
            feedrate_pct=m.feedrate_pct,
            flow_pct=m.flow_pct,
            created_at=time.time(),
        )

    def _save_recovery_soon(self) -> None:
        self._last_save = time.monotonic()
        if self._save_task is not None and not self._save_task.done():
            self._save_again = True
            return
        self._save_task = asyncio.create_task(self._save_loop(), name=f"runner.recovery.{self.job_id}")

    async def _save_loop(self) -> None:
        while True:
            self._save_again = False
            try:
                await self._observer.recovery(self.recovery_point())
                await self._observer.progress(self.lines_done, self.bytes_done, self.layer)
            except Exception as exc:  # noqa: BLE001 - the stream loop ends the job with this error
                log.error("job %d: cannot save its recovery point: %s", self.job_id, exc)
                self._failure = exc
                self._pause.set()  # makes the stream loop look at the failure at once
                return
            if not self._save_again:
                return

    async def _flush_recovery(self) -> None:
        if self._save_task is not None:
            await self._save_task
        if self.last_index >= 0:
            point = self.recovery_point()
            self._observer.journal(point)
            await self._observer.recovery(point)
        await self._observer.progress(self.lines_done, self.bytes_done, self.layer)
        self._bus.publish(self.progress())


def machine_from(point: RecoveryPoint) -> MachineState:
    """The machine state a recovery point describes (X and Y homed: the resume script homes them)."""
    return MachineState(
        x=point.x,
        y=point.y,
        z=point.z,
        e=point.e,
        feedrate=point.feedrate,
        absolute_e=point.absolute_e,
        hotend_target=point.hotend_target,
        bed_target=point.bed_target,
        fan=point.fan,
        feedrate_pct=point.feedrate_pct,
        flow_pct=point.flow_pct,
        homed_x=True,
        homed_y=True,
    )


def _describe_wait(command: str) -> str:
    word = command_word(command)
    kind = line_kind(command)
    what = {
        "M109": "heating the hotend",
        "M190": "heating the bed",
        "M191": "heating the chamber",
        "G28": "homing",
        "G29": "probing the bed",
        "G4": "dwelling",
        "M400": "finishing its moves",
        "M0": "waiting for the user",
        "M1": "waiting for the user",
        "M600": "waiting for a filament change",
    }.get(word, f"running a long command ({kind.value})")
    return f"{what} ({command})"

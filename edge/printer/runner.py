"""The job runner: streams one stored G-code file, follows progress, pauses, resumes, cancels, recovers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from edge.config.schema import JobsConfig
from edge.core.errors import PrintEdgeError, PrinterError
from edge.core.events import EventBus, JobProgress, JobStateChanged
from edge.gcode.machine import MachineState
from edge.gcode.text import command_word, params, strip_comment
from edge.printer.link import PrinterLink
from edge.store.records import JobState, RecoveryPoint

log = logging.getLogger("printedge.printer.runner")

READ_CHUNK = 256 * 1024
PROGRESS_INTERVAL_S = 0.25


class JobSink(Protocol):
    """Where the runner persists what happens to its job (the job repository)."""

    async def update_state(self, job_id: int, state: JobState, detail: str = "") -> object:
        """Persist a state change."""

    async def update_progress(self, job_id: int, lines_done: int, bytes_done: int, layer: int) -> object:
        """Persist progress."""

    async def save_recovery(self, point: RecoveryPoint) -> object:
        """Persist the latest recovery point."""


class MemoryJobSink:
    """Keeps a job's record in memory, for printing without a database (`printedge print`, benchmarks)."""

    def __init__(self) -> None:
        self.state = JobState.QUEUED
        self.detail = ""
        self.recovery: RecoveryPoint | None = None
        self.history: list[tuple[JobState, str]] = []

    async def update_state(self, job_id: int, state: JobState, detail: str = "") -> None:
        """Remember the state."""
        self.state, self.detail = state, detail
        self.history.append((state, detail))

    async def update_progress(self, job_id: int, lines_done: int, bytes_done: int, layer: int) -> None:
        """Progress lives in the runner; nothing to keep."""

    async def save_recovery(self, point: RecoveryPoint) -> None:
        """Remember the latest point."""
        self.recovery = point


@dataclass(slots=True)
class _LineMeta:
    index: int
    end: int
    layer: int
    command: str


class _Cancelled(Exception):
    pass


async def read_lines(path: Path, start_offset: int = 0) -> AsyncIterator[tuple[int, int, str]]:
    """Yield (line index, byte offset after the line, text) reading in a thread, chunk by chunk."""
    handle = await asyncio.to_thread(path.open, "rb")
    try:
        index, offset, tail = 0, 0, b""
        while True:
            chunk = await asyncio.to_thread(handle.read, READ_CHUNK)
            if not chunk:
                break
            data = tail + chunk
            start = 0
            while (end := data.find(b"\n", start)) >= 0:
                offset += end + 1 - start
                yield index, offset, data[start:end].decode("utf-8", "replace")
                index += 1
                start = end + 1
            tail = data[start:]
        if tail:
            yield index, offset + len(tail), tail.decode("utf-8", "replace")
    finally:
        await asyncio.to_thread(handle.close)


class JobRunner:
    """Prints one file through the printer link and keeps its job record and recovery point current."""

    def __init__(self, link: PrinterLink, bus: EventBus, sink: JobSink, config: JobsConfig) -> None:
        self.link = link
        self._bus = bus
        self._sink = sink
        self.config = config
        self.job_id = 0
        self.state = JobState.QUEUED
        self.machine = MachineState()
        self.lines_done = 0
        self.lines_total = 0
        self.bytes_done = 0
        self.bytes_total = 0
        self.layer = 0
        self.last_index = -1
        self.estimated_time_s: float | None = None
        self._started = 0.0
        self._paused_total = 0.0
        self._paused_since: float | None = None
        self._pause = asyncio.Event()
        self._resume = asyncio.Event()
        self._cancel = asyncio.Event()
        self._last_future: asyncio.Future[None] | None = None
        self._last_publish = 0.0
        self._last_save = 0.0
        self._save_task: asyncio.Task[None] | None = None
        self._save_again = False
        self._parked: MachineState | None = None
        self.parked = asyncio.Event()

    # ---- control ------------------------------------------------------------------------

    def request_pause(self) -> None:
        """Stop feeding lines, park the head and wait."""
        if self.state is JobState.PRINTING:
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

    def progress(self) -> JobProgress:
        """The current progress as an event."""
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
    ) -> JobState:
        """Print the file; returns the job's final state (completed, cancelled, interrupted or failed)."""
        self.job_id = job_id
        self.lines_total = lines_total
        self.bytes_total = (await asyncio.to_thread(path.stat)).st_size
        self.estimated_time_s = estimated_time_s
        self._started = time.monotonic()
        await self._set_state(JobState.PRINTING, "resuming after an interruption" if resume else "started")
        try:
            await self._stream(path, resume)
            await self._finish_moves()
        except _Cancelled:
            return await self._cancelled()
        except PrinterError as exc:
            return await self._interrupted(exc)
        self.bytes_done = self.bytes_total  # trailing comments count as done too
        await self._flush_recovery()
        await self._set_state(JobState.COMPLETED, f"{self.lines_done} lines in {self.elapsed():.0f} s")
        return self.state

    async def _stream(self, path: Path, resume: RecoveryPoint | None) -> None:
        layer = 0
        skip_to = resume.line_index if resume else -1
        async for index, end, text in read_lines(path):
            if ";" in text:
                layer = self._layer_marker(text, layer)
            command = strip_comment(text)
            if not command:
                continue
            if index <= skip_to:
                self.machine.apply(command)
                self.lines_done += 1
                self.bytes_done = end
                self.layer = layer
                self.last_index = index
                if index == skip_to and resume is not None:
                    await self._resume_preamble(resume)
                continue
            if command_word(command) == "M73":
                layer = self._m73_layer(command, layer)
            await self._gate()
            future = await self.link.submit(command)
            meta = _LineMeta(index, end, layer, command)
            future.add_done_callback(lambda f, m=meta: self._executed(m, f))  # type: ignore[misc]
            self._last_future = future

    async def _finish_moves(self) -> None:
        if self._last_future is not None:
            await self._last_future
        # M400 waits for the planner to empty, so "completed" means the last move really ran.
        await self.link.send("M400")

    def _layer_marker(self, text: str, layer: int) -> int:
        comment = text[text.find(";") :].strip()
        if comment.startswith(";LAYER_CHANGE"):
            return layer + 1
        if comment.startswith(";LAYER:"):
            with contextlib.suppress(ValueError):
                return int(comment[7:].strip()) + 1
        return layer

    def _m73_layer(self, command: str, layer: int) -> int:
        values = params(command)
        return int(values["L"]) if "L" in values else layer

    def _executed(self, meta: _LineMeta, future: asyncio.Future[None]) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        self.lines_done += 1
        self.bytes_done = meta.end
        self.last_index = meta.index
        self.machine.apply(meta.command)
        now = time.monotonic()
        if meta.layer != self.layer:
            self.layer = meta.layer
            self._save_recovery_soon()
        elif now - self._last_save >= self.config.recovery_interval_s:
            self._save_recovery_soon()
        if now - self._last_publish >= PROGRESS_INTERVAL_S:
            self._last_publish = now
            self._bus.publish(self.progress())

    async def _gate(self) -> None:
        if self._cancel.is_set():
            raise _Cancelled
        if not self._pause.is_set():
            return
        await self._park()
        await self._resume.wait()
        if self._cancel.is_set():
            raise _Cancelled
        await self._unpark()

    # ---- pause / resume / cancel --------------------------------------------------------

    async def _park(self) -> None:
        if self._last_future is not None:
            await self._last_future
        await self.link.wait_idle()
        self._parked = MachineState(**vars(self.machine))
        c = self.config
        script = [
            "M83",
            f"G1 E-{c.park_retract_mm:g} F2400",
            "G91",
            f"G1 Z{c.park_lift_mm:g} F600",
            "G90",
            f"G1 X{c.park_x:g} Y{c.park_y:g} F{c.park_feedrate:g}",
        ]
        for command in script:
            await self.link.send(command)
        self._paused_since = time.monotonic()
        await self._flush_recovery()
        await self._set_state(JobState.PAUSED, f"paused at line {self.last_index + 1}, layer {self.layer}")
        self.parked.set()

    async def _unpark(self) -> None:
        parked = self._parked or self.machine
        c = self.config
        script = [
            "G90",
            f"G1 X{parked.x:g} Y{parked.y:g} F{c.park_feedrate:g}",
            f"G1 Z{parked.z:g} F600",
            "M83",
            f"G1 E{c.park_retract_mm:g} F2400",
            "M82" if parked.absolute_e else "M83",
            f"G92 E{parked.e:g}",
            f"G1 F{parked.feedrate:g}",
        ]
        for command in script:
            await self.link.send(command)
        self.machine = parked
        self.parked.clear()
        if self._paused_since is not None:
            self._paused_total += time.monotonic() - self._paused_since
            self._paused_since = None
        await self._set_state(JobState.PRINTING, "resumed")

    async def _resume_preamble(self, point: RecoveryPoint) -> None:
        """Bring the printer back to where the interrupted job was, without homing Z into the part."""
        script = [
            f"M140 S{point.bed_target:g}",
            f"M104 S{point.hotend_target:g}",
            f"M190 S{point.bed_target:g}",
            f"M109 S{point.hotend_target:g}",
            "G28 X Y",
            "G90",
            f"G92 Z{point.z:g}",
            f"G1 Z{point.z + 2:g} F600",
            "M82" if point.absolute_e else "M83",
            f"G92 E{point.e:g}",
            f"M106 S{point.fan:g}" if point.fan else "M107",
            f"G1 F{point.feedrate:g}",
        ]
        for command in script:
            await self.link.send(command)

    async def _cancelled(self) -> JobState:
        self.link.clear_pending()
        with contextlib.suppress(PrinterError, asyncio.CancelledError):
            if self._last_future is not None:
                await self._last_future
        try:
            for command in self.config.end_script:
                await self.link.send(command)
        except PrinterError as exc:
            log.warning("end script after cancel failed: %s", exc)
        await self._flush_recovery()
        await self._set_state(JobState.CANCELLED, f"cancelled at line {self.last_index + 1}, layer {self.layer}")
        return self.state

    async def _interrupted(self, exc: PrinterError) -> JobState:
        await self._flush_recovery()
        detail = (
            f"interrupted at line {self.last_index + 1} (layer {self.layer}, Z {self.machine.z:g}): {exc.message}; "
            "the job can be resumed from its recovery point"
        )
        await self._set_state(JobState.INTERRUPTED, detail)
        return self.state

    # ---- persistence --------------------------------------------------------------------

    def recovery_point(self) -> RecoveryPoint:
        """The machine state after the last executed line."""
        m = self.machine
        return RecoveryPoint(
            job_id=self.job_id,
            line_index=self.last_index,
            byte_offset=self.bytes_done,
            layer=self.layer,
            z=m.z,
            e=m.e,
            feedrate=m.feedrate,
            hotend_target=m.hotend_target,
            bed_target=m.bed_target,
            fan=m.fan,
            absolute_e=m.absolute_e,
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
            point = self.recovery_point()
            try:
                await self._sink.save_recovery(point)
                await self._sink.update_progress(self.job_id, self.lines_done, self.bytes_done, self.layer)
            except (PrintEdgeError, OSError, sqlite3.Error):
                log.exception("could not save the recovery point of job %d", self.job_id)
            if not self._save_again:
                return

    async def _flush_recovery(self) -> None:
        if self._save_task is not None:
            await self._save_task
        if self.last_index >= 0:
            await self._sink.save_recovery(self.recovery_point())
        await self._sink.update_progress(self.job_id, self.lines_done, self.bytes_done, self.layer)
        self._bus.publish(self.progress())

    async def _set_state(self, state: JobState, detail: str) -> None:
        self.state = state
        await self._sink.update_state(self.job_id, state, detail)
        self._bus.publish(JobStateChanged(job_id=self.job_id, state=state.value, detail=detail))
        log.info("job %d %s: %s", self.job_id, state.value, detail)

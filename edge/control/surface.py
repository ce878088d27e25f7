"""PrinterControl: the one entry point for commands, from the API, MQTT, GPIO, the CLI and the appliance itself."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

from edge.control.caller import Caller, CallerKind
from edge.control.policy import check_manual
from edge.control.power import PowerSwitch
from edge.core.component import Health
from edge.core.errors import (
    CommandRejectedError,
    CommandTimeoutError,
    ConfirmationRequiredError,
    InvalidJobStateError,
    JobError,
    NotFoundError,
    PowerError,
    PrintEdgeError,
)
from edge.core.events import EventBus, HostAction
from edge.core.tasks import TaskSupervisor
from edge.jobs.manager import JobManager
from edge.jobs.pipeline import Pipeline
from edge.printer.link import EmergencyStopResult, PrinterLink
from edge.printer.outcome import RunPhase
from edge.store.audit import AuditEntry, AuditLog, AuditResult
from edge.store.records import Job, JobState

log = logging.getLogger("printedge.control")

T = TypeVar("T")

# Homing, heating and probing can take many minutes; a manual command's wait ends here at the latest.
COMMAND_TIMEOUT_S = 30 * 60.0
MAX_COMMANDS = 100
# How long a reset waits for the link to come back before answering with whatever state it reached.
RESET_WAIT_S = 15.0
FIRMWARE = Caller(CallerKind.SYSTEM, "firmware")


class PrinterControl:
    """Every command, with its caller: policy checked here, then done, then recorded in the audit log."""

    name = "control"

    def __init__(
        self, link: PrinterLink, manager: JobManager, audit: AuditLog, bus: EventBus, pipeline: Pipeline | None = None
    ) -> None:
        self.link = link
        self.manager = manager
        self.pipeline = pipeline
        self.audit_log = audit
        self._bus = bus
        self._tasks = TaskSupervisor("control")
        self.command_timeout_s = COMMAND_TIMEOUT_S
        # The printer's power relay, when one is fitted (edge.sensors sets it).
        self.power: PowerSwitch | None = None
        self._operations: list[str] = []  # manual commands and resets running now (they hold the update lock)

    # ---- component contract -------------------------------------------------------------

    async def start(self) -> None:
        """Follow the firmware's host actions (//action:pause, resume, cancel)."""
        self._tasks.spawn("host-actions", self._follow_host_actions, restart=True)

    async def stop(self) -> None:
        """Stop following host actions."""
        await self._tasks.cancel_all()

    def status(self) -> dict[str, object]:
        """JSON-ready snapshot."""
        return {"following_host_actions": self._tasks.running("host-actions")}

    def health(self) -> Health:
        """Healthy while it follows the firmware's host actions."""
        ok = self._tasks.running("host-actions")
        return Health(ok, "taking commands" if ok else "not following the firmware's host actions")

    def operation(self) -> str | None:
        """What the printer is doing for a person right now (a manual command, a reset), or None."""
        return self._operations[0] if self._operations else None

    @contextlib.contextmanager
    def _running(self, what: str) -> Iterator[None]:
        self._operations.append(what)
        try:
            yield
        finally:
            self._operations.remove(what)

    # ---- printer --------------------------------------------------------------------------

    async def send_gcode(self, caller: Caller, commands: list[str]) -> int:
        """Send manual commands in order, each acknowledged before the next; all are checked before any is sent."""
        detail = "; ".join(commands)[:500]
        return await self._audited(caller, "send_gcode", detail, lambda: self._send_gcode(commands))

    async def _send_gcode(self, commands: list[str]) -> int:
        if not commands:
            raise CommandRejectedError("no command to send: give at least one G-code command")
        if len(commands) > MAX_COMMANDS:
            raise CommandRejectedError(f"{len(commands)} commands in one request; at most {MAX_COMMANDS}")
        runner = self.manager.runner
        printing = runner is not None and runner.phase is RunPhase.PRINTING
        paused = runner is not None and runner.phase is RunPhase.PAUSED
        # Check the whole batch first: one refused command means none of them is sent.
        checked = [self.link.safety.check(command.strip()) for command in commands]
        for command in checked:
            check_manual(command, printing=printing, paused=paused)
        sent = 0
        for command in checked:
            self.link.console.sent(command)
            if printing and runner is not None:
                future = await runner.manual(command)
            else:
                future = await self.link.submit(command, priority=True, checked=True)
            try:
                with self._running(f"the printer runs {command!r}"):
                    async with asyncio.timeout(self.command_timeout_s):
                        await future
            except TimeoutError:
                raise CommandTimeoutError(
                    f"printer did not acknowledge {command!r} within {self.command_timeout_s:g} s "
                    f"({sent} of {len(checked)} commands acknowledged)"
                ) from None
            sent += 1
        return sent

    async def emergency_stop(self, caller: Caller, reason: str = "") -> EmergencyStopResult:
        """M112 now, ahead of everything; the printer stays halted until a person resets it."""
        result = self.link.emergency_stop()
        log.warning("emergency stop by %s%s: %s", caller, f" ({reason})" if reason else "", result.path)
        await self._record(caller, "emergency_stop", reason, AuditResult.OK, f"M112 sent ({result.path})")
        return result

    async def reset(self, caller: Caller) -> dict[str, object]:
        """Reset the board and reconnect; refused while a job runs (an emergency stop halts one first)."""
        return await self._audited(caller, "reset", "", self._reset)

    async def _reset(self) -> dict[str, object]:
        self.manager.check_gates("reset")
        runner = self.manager.runner
        if runner is not None:
            raise InvalidJobStateError(
                runner.job_id, runner.phase.value, "reset the printer during", ["no job running"]
            )
        with self._running("the printer is being reset"):
            await self.link.reset(RESET_WAIT_S)
        return self.link.status()

    # ---- jobs and the queue ---------------------------------------------------------------

    async def start_job(self, caller: Caller, file_id: int) -> Job:
        """Queue a print of a stored file."""
        return await self._audited(caller, "start_job", f"file {file_id}", lambda: self._start_job(file_id))

    async def _start_job(self, file_id: int) -> Job:
        self.manager.check_gates("start")
        return await self.manager.enqueue(file_id)

    async def set_power(self, caller: Caller, on: bool) -> dict[str, object]:
        """Switch the printer's power relay; off is refused while printing or hot."""
        return await self._audited(caller, "power", "on" if on else "off", lambda: self._set_power(on))

    async def _set_power(self, on: bool) -> dict[str, object]:
        power = self.power
        if power is None:
            raise PowerError("no power relay is fitted: set gpio.psu.pin to switch the printer's power")
        if on:
            await power.power_on()
        else:
            if self.manager.printing:
                raise PowerError("refused to switch the printer off while a job is printing or paused")
            await power.power_off()
        return {"powered": power.powered}

    async def pause(self, caller: Caller, job_id: int) -> Job:
        """Pause the running job (the head parks)."""
        return await self._audited(caller, "pause", f"job {job_id}", lambda: self.manager.pause(job_id))

    async def resume(
        self, caller: Caller, job_id: int, *, part_attached: bool = False, nozzle_clear: bool = False
    ) -> Job:
        """Resume a paused job, or an interrupted one once a person confirms the part and the nozzle."""
        detail = f"job {job_id}" + (" (part attached, nozzle clear)" if part_attached and nozzle_clear else "")
        return await self._audited(
            caller,
            "resume",
            detail,
            lambda: self._resume(job_id, part_attached=part_attached, nozzle_clear=nozzle_clear),
        )

    async def _resume(self, job_id: int, *, part_attached: bool, nozzle_clear: bool) -> Job:
        job = await self.manager.jobs.get(job_id)
        if job.state is not JobState.INTERRUPTED:
            return await self.manager.resume(job_id)
        if not (part_attached and nozzle_clear):
            missing = [
                name for name, given in (("part_attached", part_attached), ("nozzle_clear", nozzle_clear)) if not given
            ]
            raise ConfirmationRequiredError(
                f"job {job_id} was interrupted and resumes on the part already on the bed: confirm that the part is "
                f"still attached to the bed and that the nozzle is clear of it (missing: {', '.join(missing)})"
            )
        return await self.manager.resume_interrupted(job_id)

    async def cancel(self, caller: Caller, job_id: int) -> Job:
        """Cancel a job that is preparing, awaiting confirmation, queued, running or paused."""
        return await self._audited(caller, "cancel", f"job {job_id}", lambda: self._cancel(job_id))

    async def _cancel(self, job_id: int) -> Job:
        job = await self.manager.jobs.get(job_id)
        if job.state in (JobState.PREPARING, JobState.AWAITING_CONFIRMATION):
            return await self._pipeline().cancel(job_id)
        return await self.manager.cancel(job_id)

    async def make_from_text(self, caller: Caller, text: str, options: Mapping[str, object]) -> Job:
        """A job from a sentence: research now (a refusal makes no job), then CAD and slicing in the background."""
        return await self._audited(
            caller, "make_from_text", text[:500], lambda: self._pipeline().from_text(text, options)
        )

    async def make_from_model(self, caller: Caller, name: str, upload: Path, options: Mapping[str, object]) -> Job:
        """A job from an uploaded model (already saved at `upload`): check, place and slice it in the background."""
        return await self._audited(
            caller, "make_from_model", name, lambda: self._pipeline().from_model(name, upload, options)
        )

    async def confirm(self, caller: Caller, job_id: int) -> Job:
        """A person has seen a sliced job's preview: queue it."""
        return await self._audited(caller, "confirm", f"job {job_id}", lambda: self._pipeline().confirm(job_id))

    def require_pipeline(self) -> Pipeline:
        """The pipeline, or a clear refusal when this appliance runs none."""
        return self._pipeline()

    def _pipeline(self) -> Pipeline:
        if self.pipeline is None:
            raise CommandRejectedError("text and model jobs are not available: this appliance runs no pipeline")
        return self.pipeline

    async def confirm_bed_clear(self, caller: Caller) -> dict[str, object]:
        """A person confirms the bed is empty: the next queued job may start."""

        async def confirm() -> dict[str, object]:
            await self.manager.confirm_bed_clear()
            return self.manager.status()

        return await self._audited(caller, "bed_clear", "", confirm)

    async def remove_queued(self, caller: Caller, job_id: int) -> Job:
        """Take a queued job out of the queue."""
        return await self._audited(caller, "remove_queued", f"job {job_id}", lambda: self.manager.remove_queued(job_id))

    async def reorder(self, caller: Caller, job_id: int, position: int) -> list[Job]:
        """Move a queued job to a position in the queue (0 = next)."""
        return await self._audited(
            caller, "reorder", f"job {job_id} to {position}", lambda: self.manager.reorder(job_id, position)
        )

    # ---- the audit log --------------------------------------------------------------------

    async def audit(
        self,
        *,
        limit: int = 100,
        before_id: int | None = None,
        caller_kind: str | None = None,
        action: str | None = None,
    ) -> list[AuditEntry]:
        """Who asked for what, newest first."""
        return await self.audit_log.list(limit=limit, before_id=before_id, caller_kind=caller_kind, action=action)

    async def _audited(self, caller: Caller, action: str, detail: str, work: Callable[[], Awaitable[T]]) -> T:
        try:
            result = await work()
        except PrintEdgeError as exc:
            refused = isinstance(exc, CommandRejectedError | JobError | NotFoundError)
            await self._record(
                caller, action, detail, AuditResult.REFUSED if refused else AuditResult.ERROR, exc.message
            )
            raise
        await self._record(caller, action, detail, AuditResult.OK, "")
        return result

    async def _record(self, caller: Caller, action: str, detail: str, result: AuditResult, message: str) -> None:
        try:
            await self.audit_log.record(
                caller_kind=caller.kind.value,
                caller_name=caller.name,
                action=action,
                detail=detail,
                result=result,
                message=message,
            )
        except PrintEdgeError as exc:
            # A full disk must never block a command, least of all an emergency stop; the log says what was lost.
            log.error("audit entry not recorded (%s %s by %s: %s): %s", action, detail, caller, result, exc.message)

    async def _follow_host_actions(self) -> None:
        sub = self._bus.subscribe(HostAction)
        try:
            async for event in sub:
                if isinstance(event, HostAction):
                    await self._host_action(event.action)
        finally:
            sub.close()

    async def _host_action(self, action: str) -> None:
        runner = self.manager.runner
        if runner is None:
            return
        job_id = runner.job_id
        try:
            if action in ("pause", "paused"):
                await self.pause(FIRMWARE, job_id)
            elif action in ("resume", "resumed"):
                await self.resume(FIRMWARE, job_id)
            elif action == "cancel":
                await self.cancel(FIRMWARE, job_id)
        except PrintEdgeError as exc:
            log.warning("firmware asked to %s job %d: %s", action, job_id, exc.message)

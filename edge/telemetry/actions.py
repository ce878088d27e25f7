"""The fleet commands: each checks its arguments, then calls exactly one PrinterControl method."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from edge.control.caller import Caller
from edge.control.surface import MAX_COMMANDS, PrinterControl
from edge.core.errors import CommandRejectedError
from edge.store.records import Job

MAX_REASON = 200
MAX_GCODE_LINE = 256


class BadArgumentsError(CommandRejectedError):
    """A command's arguments are missing, unknown or of the wrong type; the message names the value."""

    code = "bad_args"


class NoJobRunningError(CommandRejectedError):
    """A job command named no job and no job is running to default to."""

    code = "no_job_running"


Args = Mapping[str, object]
Run = Callable[[], Awaitable[dict[str, object]]]
Prepare = Callable[[PrinterControl, Caller, Args], Run]


@dataclass(frozen=True, slots=True)
class FleetAction:
    """A command: the arguments it accepts and what it does."""

    accepts: frozenset[str]
    prepare: Prepare


def prepare_action(control: PrinterControl, caller: Caller, command: str, args: Args) -> Run:
    """Check the arguments; what is returned makes the one PrinterControl call (KeyError: not in ACTIONS)."""
    action = ACTIONS[command]
    unknown = sorted(set(args) - action.accepts)
    if unknown:
        accepted = ", ".join(sorted(action.accepts)) or "none"
        raise BadArgumentsError(f"{command}: unknown argument {unknown[0]!r} (accepted: {accepted})")
    return action.prepare(control, caller, args)


def _job_id(control: PrinterControl, command: str, args: Args) -> int:
    if "job_id" in args:
        return _positive_int(command, args, "job_id")
    runner = control.manager.runner
    if runner is None:
        raise NoJobRunningError(f"{command}: no job is running; name the job with args.job_id")
    return runner.job_id


def _positive_int(command: str, args: Args, name: str) -> int:
    value = args.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BadArgumentsError(f"{command}: args.{name} must be a whole number of at least 1 (got {value!r})")
    return value


def _flag(command: str, args: Args, name: str) -> bool:
    value = args.get(name, False)
    if not isinstance(value, bool):
        raise BadArgumentsError(f"{command}: args.{name} must be true or false (got {value!r})")
    return value


def _gcode_lines(args: Args) -> list[str]:
    if ("command" in args) == ("commands" in args):
        raise BadArgumentsError("gcode: give exactly one of args.command (text) or args.commands (a list of text)")
    lines = [args["command"]] if "command" in args else args["commands"]
    if not isinstance(lines, list) or not 1 <= len(lines) <= MAX_COMMANDS:
        raise BadArgumentsError(f"gcode: args.commands must be a list of 1 to {MAX_COMMANDS} commands (got {lines!r})")
    for line in lines:
        if not isinstance(line, str) or not line.strip() or len(line) > MAX_GCODE_LINE or "\n" in line:
            raise BadArgumentsError(
                f"gcode: each command must be one line of 1 to {MAX_GCODE_LINE} characters (got {line!r})"
            )
    return [str(line) for line in lines]


def _pause(control: PrinterControl, caller: Caller, args: Args) -> Run:
    job_id = _job_id(control, "pause", args)
    return lambda: _job(control.pause(caller, job_id))


def _resume(control: PrinterControl, caller: Caller, args: Args) -> Run:
    job_id = _job_id(control, "resume", args)
    part_attached = _flag("resume", args, "part_attached")
    nozzle_clear = _flag("resume", args, "nozzle_clear")
    return lambda: _job(control.resume(caller, job_id, part_attached=part_attached, nozzle_clear=nozzle_clear))


def _cancel(control: PrinterControl, caller: Caller, args: Args) -> Run:
    job_id = _job_id(control, "cancel", args)
    return lambda: _job(control.cancel(caller, job_id))


def _emergency_stop(control: PrinterControl, caller: Caller, args: Args) -> Run:
    reason = args.get("reason", "")
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        raise BadArgumentsError(f"emergency_stop: args.reason must be text of at most {MAX_REASON} characters")

    async def run() -> dict[str, object]:
        return (await control.emergency_stop(caller, reason)).to_dict()

    return run


def _start(control: PrinterControl, caller: Caller, args: Args) -> Run:
    if "file_id" not in args:
        raise BadArgumentsError("start: args.file_id is required (the id of a stored G-code file)")
    file_id = _positive_int("start", args, "file_id")
    return lambda: _job(control.start_job(caller, file_id))


def _bed_clear(control: PrinterControl, caller: Caller, args: Args) -> Run:
    return lambda: control.confirm_bed_clear(caller)


def _gcode(control: PrinterControl, caller: Caller, args: Args) -> Run:
    lines = _gcode_lines(args)

    async def run() -> dict[str, object]:
        return {"acknowledged": await control.send_gcode(caller, lines)}

    return run


async def _job(pending: Awaitable[Job]) -> dict[str, object]:
    return (await pending).to_dict()


ACTIONS: dict[str, FleetAction] = {
    "pause": FleetAction(frozenset({"job_id"}), _pause),
    "resume": FleetAction(frozenset({"job_id", "part_attached", "nozzle_clear"}), _resume),
    "cancel": FleetAction(frozenset({"job_id"}), _cancel),
    "emergency_stop": FleetAction(frozenset({"reason"}), _emergency_stop),
    "start": FleetAction(frozenset({"file_id"}), _start),
    "bed_clear": FleetAction(frozenset(), _bed_clear),
    "gcode": FleetAction(frozenset({"command", "commands"}), _gcode),
}
# What an unsigned Home Assistant button may ask: never motion, never G-code, never anything else.
HOMEASSISTANT_ACTIONS = ("pause", "resume", "cancel")

"""The one typed error tree of PrintEdge: every message names what was wrong and the value."""

from __future__ import annotations

from collections.abc import Sequence


class PrintEdgeError(Exception):
    """Base of every error PrintEdge raises on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form used by the API and the CLI."""
        return {"error": self.code, "message": self.message}


class ConfigError(PrintEdgeError):
    """A configuration value is missing, unknown, of the wrong type or out of range."""

    code = "config_invalid"

    def __init__(self, path: str, value: object, problem: str) -> None:
        super().__init__(f"config {path}: {problem} (got {value!r})")
        self.path = path
        self.value = value
        self.problem = problem


class PrinterError(PrintEdgeError):
    """Something about the printer or the link to it."""

    code = "printer_error"


class LinkError(PrinterError):
    """The serial link cannot do what was asked."""

    code = "link_error"


class PortNotFoundError(LinkError):
    """The configured serial port does not exist or cannot be opened."""

    code = "port_not_found"

    def __init__(self, port: str, reason: str) -> None:
        super().__init__(f"serial port {port!r} cannot be opened: {reason}")
        self.port = port


class PrinterDisconnectedError(LinkError):
    """The printer went away (cable pulled, firmware reset, port closed)."""

    code = "printer_disconnected"


class PrinterNotReadyError(LinkError):
    """A command was sent while the link is not ready."""

    code = "printer_not_ready"


class LinkTimeoutError(LinkError):
    """The printer stopped answering and probing did not bring it back."""

    code = "link_timeout"


class ResendLoopError(LinkError):
    """The firmware asked for the same line again and again, or for a line no longer kept."""

    code = "resend_loop"


class FirmwareHaltedError(LinkError):
    """The firmware reported a kill or halt; it needs a reset."""

    code = "firmware_halted"


class CommandTimeoutError(PrinterError):
    """The printer did not acknowledge a command in time."""

    code = "command_timeout"


class CommandRejectedError(PrinterError):
    """A command was refused before it reached the printer."""

    code = "command_rejected"


class TemperatureLimitError(CommandRejectedError):
    """A temperature command asked for more than the configured limit."""

    code = "temperature_limit"

    def __init__(self, command: str, heater: str, requested: float, limit: float) -> None:
        super().__init__(
            f"refused {command!r}: {heater} target {requested:g} °C is above the limit of {limit:g} °C "
            f"(printer.limits.{heater}_max_c)"
        )
        self.command = command
        self.heater = heater
        self.requested = requested
        self.limit = limit


class CommandTooLongError(CommandRejectedError):
    """A line is longer than the firmware accepts."""

    code = "command_too_long"

    def __init__(self, command: str, length: int, limit: int) -> None:
        super().__init__(
            f"refused command of {length} characters (limit {limit}, printer.max_line_length): {command[:40]!r}..."
        )
        self.length = length
        self.limit = limit


class InstanceLockedError(PrintEdgeError):
    """Another PrintEdge process already uses the data directory."""

    code = "instance_locked"

    def __init__(self, data_dir: str, pid: int | None) -> None:
        holder = f"pid {pid}" if pid is not None else "pid unknown"
        super().__init__(f"another printedge ({holder}) is using data directory {data_dir}; stop it first")
        self.data_dir = data_dir
        self.pid = pid


class StoreError(PrintEdgeError):
    """The database or file store cannot do what was asked."""

    code = "store_error"


class NotFoundError(StoreError):
    """A file, job or other record does not exist."""

    code = "not_found"

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"{kind} {ident!r} does not exist")
        self.kind = kind
        self.ident = ident


class FileRejectedError(StoreError):
    """An uploaded file is not acceptable G-code."""

    code = "file_rejected"

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"file {name!r} rejected: {reason}")
        self.name = name
        self.reason = reason


class DiskFullError(StoreError):
    """Not enough free space to store something safely."""

    code = "disk_full"


class JobError(PrintEdgeError):
    """A job cannot do what was asked."""

    code = "job_error"


class PrintRefusedError(JobError):
    """A file may not print as it is (a temperature above the configured limits)."""

    code = "print_refused"

    def __init__(self, file_id: int, name: str, reason: str) -> None:
        super().__init__(f"refused to print file {file_id} ({name!r}): {reason}")
        self.file_id = file_id
        self.reason = reason


class ConfirmationRequiredError(JobError):
    """An action needs a person to confirm something about the printer first."""

    code = "confirmation_required"


class CommandNotAllowedError(CommandRejectedError):
    """A manual command is not allowed in the printer's current state (motion while a job prints)."""

    code = "command_not_allowed"


class InvalidJobStateError(JobError):
    """An action does not fit the job's current state."""

    code = "invalid_job_state"

    def __init__(self, job_id: int, state: str, action: str, allowed: Sequence[str] = ()) -> None:
        expected = ""
        if allowed:
            names = list(allowed)
            expected = ", not " + (f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else names[0])
        super().__init__(f"cannot {action} job {job_id}: it is {state}{expected}")
        self.job_id = job_id
        self.state = state
        self.action = action
        self.allowed = tuple(allowed)


class DeviceIdentityError(StoreError):
    """The file that keeps the device id is unreadable, empty or corrupted."""

    code = "device_identity"

    RESTORE = (
        "restore it from a backup, or delete it to give this device a new id (MQTT and OTA will then see a new device)"
    )

    def __init__(self, path: str, problem: str, advice: str = RESTORE) -> None:
        super().__init__(f"device id file {path} {problem}; {advice}")
        self.path = path
        self.problem = problem


class QueuePositionError(JobError):
    """A queued job cannot be moved to the position asked for."""

    code = "invalid_queue_position"

    def __init__(self, job_id: int, position: int, length: int) -> None:
        super().__init__(
            f"cannot move job {job_id} to queue position {position}: positions run from 0 (next) "
            f"to {max(length - 1, 0)} (last)"
        )
        self.job_id = job_id
        self.position = position
        self.length = length


class FileInUseError(StoreError):
    """A stored file cannot be deleted while a job that has not finished uses it."""

    code = "file_in_use"

    def __init__(self, file_id: int, name: str, job_ids: list[int]) -> None:
        jobs = ", ".join(str(job_id) for job_id in job_ids)
        super().__init__(
            f"file {file_id} ({name!r}) is used by unfinished job(s) {jobs}; "
            "cancel them or wait until they finish, then delete the file"
        )
        self.file_id = file_id
        self.job_ids = job_ids


class FileMissingError(NotFoundError):
    """A stored file's record exists but its content is gone from disk."""

    code = "file_missing"

    def __init__(self, file_id: int, name: str, location: str) -> None:
        StoreError.__init__(self, f"file {file_id} ({name!r}) is missing from disk ({location}); upload it again")
        self.kind = "file"
        self.ident = file_id
        self.location = location


class TelemetryError(PrintEdgeError):
    """MQTT telemetry cannot run as configured."""

    code = "telemetry_error"


class InterlockError(JobError):
    """A safety interlock (filament runout, an open door, a held emergency-stop button) refuses an action."""

    code = "interlock"

    def __init__(self, action: str, reason: str) -> None:
        super().__init__(f"cannot {action}: {reason}")
        self.action = action
        self.reason = reason


class PowerError(CommandRejectedError):
    """The printer's power relay cannot do what was asked (none fitted, hot, printing)."""

    code = "power_refused"

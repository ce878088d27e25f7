"""What every firmware dialect answers; the Firmware asks its dialect for texts and policies."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from edge.gcode.text import checksum

if TYPE_CHECKING:
    from edge.printer.simulator.commands import Commands
    from edge.printer.simulator.firmware import Firmware
    from edge.printer.simulator.heaters import Heater
    from edge.printer.simulator.settings import SimulatorSettings
    from edge.printer.simulator.wire import Emergency

_NUMBER = re.compile(rb"\s*([-+]?\d+)")
_LINE_NUMBER = re.compile(rb"[Nn][-+]?\d+ *")


def strtol(data: bytes, pos: int) -> int:
    """C's strtol as the firmware uses it: the integer at `pos` after optional spaces, 0 when there is none."""
    match = _NUMBER.match(data, pos)
    return int(match.group(1)) if match else 0


def command_text(line: bytes) -> str:
    """What the parser executes: the line without its N<number> and without `*checksum`."""
    match = _LINE_NUMBER.match(line)
    start = match.end() if match else 0
    star = line.find(b"*", start)
    body = line[start:] if star < 0 else line[start:star]
    return body.rstrip(b" ").decode("latin-1")


def checksum_ok(line: bytes) -> bool | None:
    """Whether the `*checksum` of a line matches (None when it has none)."""
    star = line.rfind(b"*")
    if star < 0:
        return None
    return strtol(line, star + 1) == checksum(line[:star])


class Dialect:
    """One firmware family on the wire. The defaults are Marlin 2.x; subclasses change what differs."""

    name: ClassVar[str] = ""
    busy_keepalive: ClassVar[bool] = False  # `echo:busy: processing` while a command runs long (M113)
    ok_on_receipt: ClassVar[bool] = False  # the ok is sent when a line is queued, not when it has run
    reads_while_busy: ClassVar[bool] = False  # lines are read into free queue slots while a command runs
    idle_wait: ClassVar[bool] = False  # `wait` every second while idle

    def __init__(self, settings: SimulatorSettings) -> None:
        self.settings = settings

    # -- power ------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Power-on state of the dialect's own protocol state."""

    def banner(self, fw: Firmware) -> list[str]:
        """Lines printed at power-on or reset."""
        return ["start"]

    def halted_lines(self, reason: str) -> list[str]:
        """What the firmware prints when it halts (M112 or kill())."""
        return [f"Error:Printer halted. {reason}"]

    # -- serial input -----------------------------------------------------------------------------

    def scans_input(self) -> bool:
        """Whether an emergency line is acted on as its bytes arrive (before the main loop reads it)."""
        return False

    def emergency_acts(self, fw: Firmware, event: Emergency) -> bool:
        """Whether the input scanner's emergency line is one this firmware acts on out of band."""
        return True

    def accept(self, fw: Firmware, line: bytes, damaged: bool, fragment: bool) -> bool:
        """Check one received line and queue it; False stops reading (a line error drained RX)."""
        raise NotImplementedError

    # -- commands ---------------------------------------------------------------------------------

    def install(self, commands: Commands) -> None:
        """Add, replace or remove G-code handlers where this firmware differs from Marlin."""

    def ok_text(self, fw: Firmware, number: int | None) -> str:
        """The acknowledgement of a finished command."""
        return "ok"

    def temperatures(self, fw: Firmware) -> str:
        """The temperature report without `ok` (M105's answer, autoreport)."""
        hotend, bed = fw.hotend, fw.bed
        return (
            f" T:{hotend.reading(fw.t):.2f} /{hotend.target:.2f} B:{bed.reading(fw.t):.2f} /{bed.target:.2f} @:0 B@:0"
        )

    def m105(self, fw: Firmware) -> None:
        """M105: the report on the ok line itself."""
        fw.no_ok = True
        fw.send_ok("ok" + self.temperatures(fw))

    def heating_line(self, fw: Firmware, heater: Heater) -> str | None:
        """The line printed every second while M109/M190 waits (None: nothing)."""
        return self.temperatures(fw)

    def firmware_lines(self, fw: Firmware) -> list[str]:
        """M115's answer before its ok."""
        raise NotImplementedError

    def unknown_lines(self, text: str) -> list[str]:
        """The answer to a command this firmware does not have."""
        return [f'echo:Unknown command: "{text}"']

    def error_lines(self, message: str) -> list[str]:
        """A command error (the command did nothing); the ok follows as usual."""
        return [f"Error:{message}"]

    def unhomed_lines(self, target: tuple[float, float, float, float]) -> list[str] | None:
        """The refusal of a move on an axis not homed (None: this firmware moves unhomed axes)."""
        return None

    def emergency_stop(self, fw: Firmware) -> None:
        """What M112 does: halt until a reset."""
        fw.kill()

    def m112(self, fw: Firmware) -> None:
        """M112 run from the queue."""
        if fw.stats.emergency_stop_at is None:
            fw.stats.emergency_stop_at = fw.t
        self.emergency_stop(fw)

"""Prusa-Firmware 3.x (MK3): Marlin 1.x descent with its own cmdqueue.cpp, plain oks, M112 acted on when read."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from edge.printer.simulator.dialects.base import strtol
from edge.printer.simulator.dialects.marlin import ERR_LINE_NO, Marlin, checksum_problem

if TYPE_CHECKING:
    from edge.printer.simulator.commands import Commands
    from edge.printer.simulator.firmware import Firmware
    from edge.printer.simulator.heaters import Heater

FIRMWARE_VERSION = "3.5.1"
ERR_NO_LINE_NUMBER = "No Line Number with checksum"


class Prusa(Marlin):
    """Prusa-Firmware as in Firmware/cmdqueue.cpp get_command() and Marlin_main.cpp process_commands()."""

    name: ClassVar[str] = "prusa"

    def banner(self, fw: Firmware) -> list[str]:
        """The first boot line (the rest is LCD and EEPROM chatter no host relies on)."""
        return ["start"]

    def scans_input(self) -> bool:
        """No emergency parser: M112 acts when get_command() reads the line."""
        return False

    def accept(self, fw: Firmware, line: bytes, damaged: bool, fragment: bool) -> bool:
        """get_command(): N sequence (M110 exempt), checksum, `*` without N, then M112 handled early."""
        number = None
        body = line
        if line[:1] == b"N" and b"PRUSA" not in line:
            number = strtol(line, 1)
            end = 1
            while end < len(line) and (line[end : end + 1].isdigit() or line[end : end + 1] in b"+-"):
                end += 1
            body = line[end:].lstrip(b" ")
            if number != fw.last_n + 1 and not body.startswith(b"M110"):
                return fw.line_error(ERR_LINE_NO)
            problem = checksum_problem(line)
            if problem is not None:
                return fw.line_error(problem)
            body = body[: body.find(b"*")]
        elif b"*" in line:
            return fw.line_error(ERR_NO_LINE_NUMBER)
        if body == b"M112":  # strcmp_P(cmd_start, "M112"): numbered or not, but nothing after it
            if fw.stats.emergency_stop_at is None:
                fw.stats.emergency_stop_at = fw.t
            fw.kill()
            return False
        fw.enqueue(number, line, damaged, fragment)
        if number is not None:
            fw.last_n = number
        return True

    def ok_text(self, fw: Firmware, number: int | None) -> str:
        """ClearToSend(): a plain ok (no ADVANCED_OK)."""
        return "ok"

    def temperatures(self, fw: Firmware) -> str:
        """M105's fields: one decimal, then T0 again, then the heater powers."""
        hotend, bed = fw.hotend, fw.bed
        h, b = hotend.reading(fw.t), bed.reading(fw.t)
        return f" T:{h:.1f} /{hotend.target:.1f} B:{b:.1f} /{bed.target:.1f} T0:{h:.1f} /{hotend.target:.1f} @:0 B@:0"

    def heating_line(self, fw: Firmware, heater: Heater) -> str | None:
        """wait_for_heater() prints `T:.. E:0 W:?`; M190 prints `T:.. E:0 B:..`."""
        if heater is fw.bed:
            return f"T:{fw.hotend.reading(fw.t):.2f} E:0 B:{fw.bed.reading(fw.t):.1f}"
        return f"T:{fw.hotend.reading(fw.t):.1f} E:0 W:?"

    def firmware_lines(self, fw: Firmware) -> list[str]:
        """M115 (case 115): one line, no Cap: lines in the version read."""
        return [
            f"FIRMWARE_NAME:Prusa-Firmware {FIRMWARE_VERSION} based on Marlin "
            "FIRMWARE_URL:https://github.com/prusa3d/Prusa-Firmware PROTOCOL_VERSION:1.0 "
            "MACHINE_TYPE:Prusa i3 MK3S EXTRUDER_COUNT:1 UUID:00000000-0000-0000-0000-000000000000"
        ]

    def unknown_lines(self, text: str) -> list[str]:
        """`Unknown M code: ...` for M codes (the M switch's default), Marlin's echo with `(2)` otherwise."""
        if text[:1] in ("M", "m"):
            return [f"Unknown M code: {text} "]
        return [f'echo:Unknown command: "{text}"(2)']

    def install(self, commands: Commands) -> None:
        """No M155 autoreport in the version read."""
        commands.handlers.pop("M155", None)

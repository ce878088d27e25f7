"""RepRapFirmware 3 over USB in Marlin emulation (M555 P2): no line-number checks, bad checksums dropped silently."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from edge.printer.simulator.dialects.base import Dialect, checksum_ok, strtol

if TYPE_CHECKING:
    from edge.printer.simulator.commands import Commands
    from edge.printer.simulator.firmware import Firmware
    from edge.printer.simulator.heaters import Heater

FIRMWARE_VERSION = "3.5.1"


class RepRapFirmware(Dialect):
    """StringParser::LineFinished() and GCodes::HandleReply() in Marlin compatibility."""

    name: ClassVar[str] = "reprapfirmware"

    def banner(self, fw: Firmware) -> list[str]:
        """Opening the USB port does not reset the board: nothing is printed."""
        return []

    def halted_lines(self, reason: str) -> list[str]:
        """GCodes::DoEmergencyStop()."""
        return ["Emergency Stop! Reset the controller to continue."]

    def accept(self, fw: Firmware, line: bytes, damaged: bool, fragment: bool) -> bool:
        """A numbered line with a wrong checksum is dropped with no answer; line numbers are never checked."""
        number = strtol(line, 1) if line[:1] in (b"N", b"n") else None
        if number is not None and checksum_ok(line) is False:
            fw.stats.line_errors += 1
            return True
        fw.enqueue(number, line, damaged, fragment)
        return True

    def temperatures(self, fw: Firmware) -> str:
        """M105's reply (placed after `ok ` in Marlin mode)."""
        hotend, bed = fw.hotend, fw.bed
        return f" T:{hotend.reading(fw.t):.1f} /{hotend.target:.1f} B:{bed.reading(fw.t):.1f} /{bed.target:.1f}"

    def heating_line(self, fw: Firmware, heater: Heater) -> str | None:
        """M109/M190 wait silently."""
        return None

    def firmware_lines(self, fw: Firmware) -> list[str]:
        """M115: `NAME: value` fields with a space after each colon; no Cap: lines."""
        return [
            f"FIRMWARE_NAME: RepRapFirmware for Duet 2 WiFi/Ethernet FIRMWARE_VERSION: {FIRMWARE_VERSION} "
            "ELECTRONICS: Duet WiFi 1.02 or later FIRMWARE_DATE: 2024-04-19 14:40:46"
        ]

    def unknown_lines(self, text: str) -> list[str]:
        """An unsupported code is an error reply, followed by ok."""
        return [f"Error: Unsupported command: {text}"]

    def error_lines(self, message: str) -> list[str]:
        """AddError(): `Error: ` in front of the reply."""
        return [f"Error: {message}"]

    def unhomed_lines(self, target: tuple[float, float, float, float]) -> list[str] | None:
        """M564 H1 (the default): no G0/G1 on axes that are not homed."""
        return ["Error: G0/G1: insufficient axes homed"]

    def install(self, commands: Commands) -> None:
        """No M113 keepalive, no M155 autoreport."""
        for word in ("M113", "M155"):
            commands.handlers.pop(word, None)

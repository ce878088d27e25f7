"""Repetier-Firmware 0.9x (ArduinoAVR): ok on receipt with the line number, `skip` after a resend, `wait` when idle."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from edge.gcode.text import checksum
from edge.printer.simulator.dialects.base import Dialect, command_text, strtol

if TYPE_CHECKING:
    from edge.printer.simulator.commands import Commands
    from edge.printer.simulator.firmware import Firmware
    from edge.printer.simulator.heaters import Heater

FIRMWARE_VERSION = "0.92.9"
_RESEND_SKIPS = 14  # waitingForResend after an ASCII resend request
_WORD = re.compile(r"\s*([A-Za-z])\s*(\d+)")


class Repetier(Dialect):
    """gcode.cpp readFromSerial()/checkAndPushCommand()/requestResend() with the default Configuration.h."""

    name: ClassVar[str] = "repetier"
    ok_on_receipt: ClassVar[bool] = True
    reads_while_busy: ClassVar[bool] = True
    idle_wait: ClassVar[bool] = True  # WAITING_IDENTIFIER "wait"

    def reset(self) -> None:
        """lastLineNumber, actLineNumber, waitingForResend at power-on."""
        self.last_line = 0
        self.act_line = 0
        self.waiting_for_resend = -1

    def accept(self, fw: Firmware, line: bytes, damaged: bool, fragment: bool) -> bool:
        """parseAscii() then checkAndPushCommand(): the ok goes out as soon as the line is queued."""
        npos = line.find(b"N")
        if npos >= 0:
            self.act_line = strtol(line, npos + 1)
        star = line.find(b"*")
        if star >= 0 and strtol(line, star + 1) & 0xFF != checksum(line[:star]):
            fw.emit("Error:Wrong checksum")
            return self._request_resend(fw)
        word = _WORD.match(command_text(line))
        code = (word.group(1).upper() + word.group(2)) if word else ""
        if code == "M110":
            self.last_line = self.act_line
            fw.send_ok("ok")
            self.waiting_for_resend = -1
            return True
        if code == "M112":  # Commands::emergencyStop() on receipt; KILL_METHOD 1 resets the board
            if fw.stats.emergency_stop_at is None:
                fw.stats.emergency_stop_at = fw.t
            fw.stats.kills += 1
            fw.boot(fw.t)
            return False
        if npos >= 0:
            if (self.last_line + 1) & 0xFFFF != self.act_line & 0xFFFF:
                if self.waiting_for_resend < 0:
                    fw.emit(f"Error:expected line {self.last_line + 1} got {self.act_line}")
                    return self._request_resend(fw)
                self.waiting_for_resend -= 1
                fw.emit(f"skip {self.act_line}")
                fw.send_ok("ok")
                return True
            self.last_line = self.act_line
        fw.enqueue(self.act_line if npos >= 0 else None, line, damaged, fragment)
        fw.send_ok(f"ok {self.act_line}")  # ACK_WITH_LINENUMBER: actLineNumber, stale for an unnumbered line
        self.waiting_for_resend = -1
        return True

    def _request_resend(self, fw: Firmware) -> bool:
        """requestResend(): flush RX, a blank line, `Resend:<n>`, ok."""
        fw.stats.line_errors += 1
        fw.rx.drain()
        self.waiting_for_resend = _RESEND_SKIPS
        fw.emit("")
        fw.emit(f"Resend:{self.last_line + 1}")
        fw.stats.resends_requested += 1
        if not self.settings.resend_without_ok:
            fw.send_ok("ok")
        return False

    def temperatures(self, fw: Firmware) -> str:
        """Commands::printTemperatures(): current values only, no targets."""
        return f"T:{fw.hotend.reading(fw.t):.2f} B:{fw.bed.reading(fw.t):.2f} @:0"

    def m105(self, fw: Firmware) -> None:
        """M105 prints the temperatures when it runs; its ok went out on receipt."""
        fw.emit(self.temperatures(fw))

    def heating_line(self, fw: Firmware, heater: Heater) -> str | None:
        """The heater wait prints the temperatures every second."""
        return self.temperatures(fw)

    def firmware_lines(self, fw: Firmware) -> list[str]:
        """Com::tFirmware (a cartesian printer); no Cap: lines in the version read."""
        return [
            f"FIRMWARE_NAME:Repetier_{FIRMWARE_VERSION} FIRMWARE_URL:https://github.com/repetier/Repetier-Firmware/ "
            "PROTOCOL_VERSION:1.0 MACHINE_TYPE:Mendel EXTRUDER_COUNT:1 REPETIER_PROTOCOL:3"
        ]

    def unknown_lines(self, text: str) -> list[str]:
        """Com::tUnknownCommand and the command."""
        return [f"Unknown command:{text}"]

    def install(self, commands: Commands) -> None:
        """No M113 keepalive, no M155 autoreport."""
        for word in ("M113", "M155"):
            commands.handlers.pop(word, None)

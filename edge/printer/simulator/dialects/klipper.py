"""Klipper's host G-code (klippy/gcode.py): no line checks, M112 out of band, `!!` command errors, homing first."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, ClassVar

from edge.gcode.text import command_word, params
from edge.printer.simulator.dialects.base import Dialect, strtol

if TYPE_CHECKING:
    from edge.printer.simulator.commands import Commands, Handler, Wake
    from edge.printer.simulator.firmware import Firmware
    from edge.printer.simulator.heaters import Heater
    from edge.printer.simulator.wire import Emergency

FIRMWARE_VERSION = "v0.12.0-0-gabcdef01"
SHUTDOWN = "Shutdown due to M112 command"
_M112 = re.compile(rb"^(?:[nN][0-9]+)?\s*[mM]112(?:\s|$)")  # GCodeIO.m112_r
_WHEN_SHUT_DOWN = ("M110", "M112", "M115", "RESTART", "FIRMWARE_RESTART", "ECHO", "STATUS", "HELP")


class Klipper(Dialect):
    """Klipper's GCodeIO and GCodeDispatch; G2/G3 only with [gcode_arcs] (settings.gcode_arcs)."""

    name: ClassVar[str] = "klipper"

    def reset(self) -> None:
        """Ready, not shut down."""
        self.shutdown = False

    def banner(self, fw: Firmware) -> list[str]:
        """The pseudo-terminal opens on a running host: nothing is printed."""
        return []

    def scans_input(self) -> bool:
        """_process_data() looks for M112 in every chunk it reads."""
        return True

    def emergency_acts(self, fw: Firmware, event: Emergency) -> bool:
        """Only `M112` followed by white space or the end of the line (`N5 M112*..` runs in its turn)."""
        return event.kind == b"112" and _M112.match(event.line) is not None

    def accept(self, fw: Firmware, line: bytes, damaged: bool, fragment: bool) -> bool:
        """N and `*` are split off as parameters and never checked."""
        number = strtol(line, 1) if line[:1] in (b"N", b"n") else None
        fw.enqueue(number, line, damaged, fragment)
        return True

    def emergency_stop(self, fw: Firmware) -> None:
        """invoke_shutdown(): motion and heaters off; the host keeps answering, with errors."""
        if self.shutdown:
            return
        self.shutdown = True
        fw.stats.kills += 1
        fw.planner.clear(fw.t)
        fw.hotend.reset(fw.t)
        fw.bed.reset(fw.t)
        fw.commands.in_sequence = False
        fw.emit("// Klipper state: Shutdown")
        fw.abort_current([*self.error_lines(SHUTDOWN)])

    def temperatures(self, fw: Firmware) -> str:
        """heaters._get_temp(): sorted gcode ids, `B` before `T0`, one decimal."""
        hotend, bed = fw.hotend, fw.bed
        return f"B:{bed.reading(fw.t):.1f} /{bed.target:.1f} T0:{hotend.reading(fw.t):.1f} /{hotend.target:.1f}"

    def m105(self, fw: Firmware) -> None:
        """cmd_M105: the report inside the ok."""
        fw.no_ok = True
        fw.send_ok("ok " + self.temperatures(fw))

    def heating_line(self, fw: Firmware, heater: Heater) -> str | None:
        """_wait_for_temperature() prints the report every second."""
        return self.temperatures(fw)

    def firmware_lines(self, fw: Firmware) -> list[str]:
        """cmd_M115 answers inside the ok (see m115)."""
        return []

    def unknown_lines(self, text: str) -> list[str]:
        """cmd_default: an info line, not an error."""
        return [f'// Unknown command:"{command_word(text).upper()}"']

    def error_lines(self, message: str) -> list[str]:
        """_respond_error(): `!!` and the message; the ok still follows."""
        return [f"!! {message}"]

    def unhomed_lines(self, target: tuple[float, float, float, float]) -> list[str] | None:
        """Move.move_error("Must home axis first") from the kinematics' endstop check."""
        x, y, z, e = target
        return [f"!! Must home axis first: {x:.3f} {y:.3f} {z:.3f} [{e:.3f}]"]

    def install(self, commands: Commands) -> None:
        """M115 in the ok, arcs only with [gcode_arcs], no M113/M155; errors for nearly everything once shut down."""
        for word in ("M113", "M155", "G2", "G3"):
            commands.handlers.pop(word, None)
        if self.settings.gcode_arcs:
            commands.handlers["G2"] = lambda text: self._arc(commands, text, clockwise=True)
            commands.handlers["G3"] = lambda text: self._arc(commands, text, clockwise=False)
        commands.handlers["M115"] = lambda text: self._m115(commands)
        commands.gate = self._gate

    def _m115(self, commands: Commands) -> None:
        fw = commands.fw
        fw.no_ok = True
        fw.send_ok(f"ok FIRMWARE_NAME:Klipper FIRMWARE_VERSION:{FIRMWARE_VERSION}")

    def _gate(self, commands: Commands, word: str) -> Handler | None:
        """While shut down only the commands registered `when_not_ready` run; M105 answers `ok T:0`."""
        if not self.shutdown or word in _WHEN_SHUT_DOWN:
            return None
        fw = commands.fw

        def temperature(text: str) -> None:
            fw.no_ok = True
            fw.send_ok("ok T:0")

        def refuse(text: str) -> None:
            fw.emit_lines(self.error_lines(SHUTDOWN))

        return temperature if word == "M105" else refuse

    def _arc(self, commands: Commands, text: str, clockwise: bool) -> Wake | None:
        """gcode_arcs.py: I/J only, segments = max(1, floor(length / resolution)), resolution 1 mm."""
        values = params(text)
        fw = commands.fw
        if "X" not in values or "Y" not in values:
            fw.emit_lines(self.error_lines("g2/g3: Coords missing"))
            return None
        i, j = values.get("I", 0.0), values.get("J", 0.0)
        if i == 0.0 and j == 0.0:
            fw.emit_lines(self.error_lines("g2/g3: neither R nor I and J given"))
            return None
        start = commands.position
        cx, cy = start[0] + i, start[1] + j
        radius = math.hypot(i, j)
        a0 = math.atan2(start[1] - cy, start[0] - cx)
        sweep = (math.atan2(values["Y"] - cy, values["X"] - cx) - a0) % (2 * math.pi)
        if sweep == 0.0 and (values["X"], values["Y"]) == (start[0], start[1]):
            sweep = 2 * math.pi
        if clockwise:
            sweep -= 2 * math.pi
        z = values.get("Z", start[2])
        segments = max(1, math.floor(math.hypot(radius * sweep, z - start[2]) / 1.0))
        points = []
        for k in range(1, segments + 1):
            angle = a0 + sweep * k / segments
            points.append(
                (cx + radius * math.cos(angle), cy + radius * math.sin(angle), start[2] + (z - start[2]) * k / segments)
            )
        return commands.follow(points, values.get("E", 0.0), values.get("F"))

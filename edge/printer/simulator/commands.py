"""The G-code the virtual Marlin understands; a command that blocks is a generator yielding wake-up times."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from edge.gcode.text import command_word, params
from edge.printer.simulator.heaters import AMBIENT_C, Heater

if TYPE_CHECKING:
    from edge.printer.simulator.firmware import Firmware

Wake = Generator[float, None, None]
Handler = Callable[[str], "Wake | None"]

BUSY_PROCESSING = "echo:busy: processing"
BUSY_PAUSED = "echo:busy: paused for user"
FIRMWARE_VERSION = "2.1.2.1"
DEFAULT_FEEDRATE = 1500.0  # mm/min
HOMING_S = 1.5
PROBING_S = 3.0
TEMP_WINDOW = 1.0
_AXES = "XYZE"
_STEPS_PER_MM = (80.0, 80.0, 400.0)
_HEAD = re.compile(r"\s*[A-Za-z]\s*[-+]?[\d.]*")
_LETTER = re.compile(r"[A-Za-z]")
_CAPABILITIES = (
    "SERIAL_XON_XOFF:0", "BINARY_FILE_TRANSFER:0", "EEPROM:0", "VOLUMETRIC:0", "AUTOREPORT_POS:0",
    "AUTOREPORT_TEMP:{autoreport}", "PROGRESS:0", "PRINT_JOB:1", "AUTOLEVEL:0", "RUNOUT:0", "Z_PROBE:0",
    "LEVELING_DATA:0", "BUILD_PERCENT:0", "SOFTWARE_POWER:0", "TOGGLE_LIGHTS:0", "CASE_LIGHT_BRIGHTNESS:0",
    "EMERGENCY_PARSER:1", "HOST_ACTION_COMMANDS:1", "PROMPT_SUPPORT:0", "SDCARD:0", "AUTOREPORT_SD_STATUS:0",
    "LONG_FILENAME:0", "THERMAL_PROTECTION:1", "MOTION_MODES:0", "ARCS:0", "BABYSTEPPING:0",
    "CHAMBER_TEMPERATURE:0", "MEATPACK:0",
)  # fmt: skip
# Accepted with a plain ok and no effect on the simulation.
_NO_OPS = (
    "G21", "M17", "M31", "M73", "M75", "M76", "M77", "M80", "M92", "M108", "M201", "M203", "M204", "M205",
    "M206", "M211", "M300", "M500", "M501", "M502", "M851",
)  # fmt: skip


@dataclass(slots=True)
class Command:
    """A line that passed the firmware's checks and waits in the command queue."""

    number: int | None
    text: str
    damaged: bool


class Commands:
    """Machine state (position, modes, fan) and one handler per G-code."""

    def __init__(self, fw: Firmware) -> None:
        self.fw = fw
        self.time_scale = max(fw.settings.time_scale, 0.0)
        self.handlers: dict[str, Handler] = {word: self.no_op for word in _NO_OPS}
        self.handlers.update(
            {
                "G0": self.move, "G1": self.move, "G4": self.g4, "G28": self.g28, "G29": self.g29,
                "G90": self.g90, "G91": self.g91, "G92": self.g92, "M0": self.m0, "M1": self.m0,
                "M18": self.m84, "M81": self.m81, "M82": self.m82, "M83": self.m83, "M84": self.m84,
                "M104": self.m104, "M105": self.m105, "M106": self.m106, "M107": self.m107,
                "M109": self.m109, "M110": self.m110, "M112": self.m112, "M113": self.m113,
                "M114": self.m114, "M115": self.m115, "M117": self.m117, "M118": self.m118,
                "M119": self.m119, "M140": self.m140, "M190": self.m190, "M220": self.m220,
                "M221": self.m221, "M400": self.m400, "M410": self.m410, "M503": self.m503,
                "M600": self.m600,
            }
        )  # fmt: skip
        if fw.settings.autoreport_temp:
            self.handlers["M155"] = self.m155
        self.reset()

    def reset(self) -> None:
        """Power-on state."""
        self.position = [0.0, 0.0, 0.0, 0.0]
        self.relative = [False, False, False, False]
        self.feedrate = DEFAULT_FEEDRATE
        self.feedrate_pct = 100.0
        self.flow_pct = 100.0
        self.fan = 0
        self.message = ""
        self.in_sequence = False  # a move came last, with no synchronising command since

    def dispatch(self, command: Command) -> Wake | None:
        """Run a command; a generator is returned when it has to wait for something."""
        text = command.text
        word = command_word(text) if text else ""
        handler = self.handlers.get(word)
        if handler is not None:
            return handler(text)
        if word[:1] == "T" and word[1:].isdigit():
            if word != "T0":
                self.fw.emit(f"echo:{word} Invalid extruder")
            return None
        self.fw.stats.unknown_commands += 1
        self.fw.emit(f'echo:Unknown command: "{text}"')
        return None

    # -- waiting helpers -------------------------------------------------------------------------

    def synchronize(self) -> Wake:
        """Wait until every planned move has finished (Marlin's planner.synchronize())."""
        fw = self.fw
        while not fw.planner.is_empty(fw.t):
            yield fw.planner.drain_time()

    def sleep(self, seconds: float) -> Wake:
        """Wait a fixed time."""
        fw = self.fw
        end = fw.t + seconds
        while fw.t < end:
            yield end

    def _add_block(self, duration: float) -> None:
        fw = self.fw
        stats = fw.stats
        if fw.planner.add(fw.t, duration) and self.in_sequence and self.time_scale > 0.0:
            stats.underruns += 1
        self.in_sequence = True
        stats.moves += 1
        stats.max_planner_depth = max(stats.max_planner_depth, fw.planner.depth(fw.t))

    def _wait_for_block(self, duration: float) -> Wake:
        fw = self.fw
        while fw.planner.free(fw.t) <= 0:
            yield fw.planner.next_free_time()
        self._add_block(duration)

    def queue_block(self, duration: float) -> Wake | None:
        """Add a move block, waiting for a free slot when the planner is full."""
        if self.fw.planner.free(self.fw.t) > 0:
            self._add_block(duration)
            return None
        return self._wait_for_block(duration)

    # -- motion ------------------------------------------------------------------------------------

    def move(self, text: str) -> Wake | None:
        """G0/G1: a straight move; its duration is its length at the feedrate, times time_scale."""
        values = params(text)
        feed = values.get("F")
        if feed is not None and feed > 0.0:
            self.feedrate = feed
        delta = [0.0, 0.0, 0.0, 0.0]
        for index, axis in enumerate(_AXES):
            value = values.get(axis)
            if value is not None:
                target = self.position[index] + value if self.relative[index] else value
                delta[index] = target - self.position[index]
                self.position[index] = target
        distance = math.sqrt(delta[0] ** 2 + delta[1] ** 2 + delta[2] ** 2) or abs(delta[3])
        if distance <= 0.0:
            return None
        speed = self.feedrate * self.feedrate_pct / 100.0 / 60.0
        return self.queue_block(distance / speed * self.time_scale)

    def _axes(self, text: str) -> set[str]:
        head = _HEAD.match(text)
        rest = text[head.end() :] if head else text
        return {letter.upper() for letter in _LETTER.findall(rest.split("*", 1)[0])}

    def g4(self, text: str) -> Wake:
        """G4 P<ms> / S<s>: finish the moves, then dwell."""
        values = params(text)
        seconds = values.get("P", 0.0) / 1000.0
        if "S" in values:
            seconds = values["S"]
        self.in_sequence = False
        yield from self.synchronize()
        yield from self.sleep(seconds * self.time_scale)

    def g28(self, text: str) -> Wake:
        """G28: home the named axes (all when none is named)."""
        self.in_sequence = False
        yield from self.synchronize()
        named = self._axes(text)
        axes = [index for index, axis in enumerate("XYZ") if axis in named] or [0, 1, 2]
        yield from self.sleep(HOMING_S * self.time_scale)
        for index in axes:
            self.position[index] = 0.0

    def g29(self, text: str) -> Wake:
        """G29: bed probing, a fixed time."""
        self.in_sequence = False
        yield from self.synchronize()
        yield from self.sleep(PROBING_S * self.time_scale)

    def g90(self, text: str) -> None:
        """Absolute positioning for every axis, E included (as Marlin does)."""
        self.relative = [False, False, False, False]

    def g91(self, text: str) -> None:
        """Relative positioning for every axis, E included."""
        self.relative = [True, True, True, True]

    def m82(self, text: str) -> None:
        """Absolute extrusion."""
        self.relative[3] = False

    def m83(self, text: str) -> None:
        """Relative extrusion."""
        self.relative[3] = True

    def g92(self, text: str) -> None:
        """Set the current position of the named axes."""
        for index, axis in enumerate(_AXES):
            value = params(text).get(axis)
            if value is not None:
                self.position[index] = value

    def m400(self, text: str) -> Wake:
        """Wait for the planner to empty."""
        self.in_sequence = False
        yield from self.synchronize()

    def m84(self, text: str) -> Wake:
        """Disable steppers once the moves are done."""
        self.in_sequence = False
        yield from self.synchronize()

    def m410(self, text: str) -> None:
        """Quickstop: drop every planned move."""
        self.fw.planner.clear(self.fw.t)
        self.in_sequence = False

    def m220(self, text: str) -> None:
        """Feedrate percentage."""
        value = params(text).get("S")
        if value is None:
            self.fw.emit(f"FR:{self.feedrate_pct:.0f}%")
        elif value > 0.0:
            self.feedrate_pct = value

    def m221(self, text: str) -> None:
        """Flow percentage."""
        value = params(text).get("S")
        if value is None:
            self.fw.emit(f"echo:E0 Flow: {self.flow_pct:.0f}%")
        else:
            self.flow_pct = value

    def m114(self, text: str) -> None:
        """Report the position."""
        x, y, z, e = self.position
        counts = " ".join(f"{a}:{round(v * s)}" for a, v, s in zip("XYZ", (x, y, z), _STEPS_PER_MM, strict=True))
        self.fw.emit(f"X:{x:.2f} Y:{y:.2f} Z:{z:.2f} E:{e:.2f} Count {counts}")

    # -- temperatures and fan -----------------------------------------------------------------------

    def m104(self, text: str) -> None:
        """Set the hotend target."""
        value = params(text).get("S")
        if value is not None:
            self.fw.hotend.set_target(value, self.fw.t)

    def m140(self, text: str) -> None:
        """Set the bed target."""
        value = params(text).get("S")
        if value is not None:
            self.fw.bed.set_target(value, self.fw.t)

    def m109(self, text: str) -> Wake | None:
        """Set the hotend target and wait for it."""
        return self._heat(self.fw.hotend, text)

    def m190(self, text: str) -> Wake | None:
        """Set the bed target and wait for it."""
        return self._heat(self.fw.bed, text)

    def _heat(self, heater: Heater, text: str) -> Wake | None:
        values = params(text)
        if "S" in values:
            target, no_wait_for_cooling = values["S"], True
        elif "R" in values:
            target, no_wait_for_cooling = values["R"], False
        else:
            return None
        fw = self.fw
        heater.set_target(target, fw.t)
        self.in_sequence = False
        if no_wait_for_cooling and heater.target < heater.at(fw.t):
            return None
        return self._heat_wait(heater)

    def _heat_wait(self, heater: Heater) -> Wake:
        fw = self.fw
        fw.cancel_wait = False
        goal = max(heater.target, AMBIENT_C)
        report = fw.t
        while True:
            if fw.t >= report:
                fw.emit(fw.temperature_report())
                report += 1.0
            if fw.cancel_wait or abs(heater.at(fw.t) - goal) <= TEMP_WINDOW:
                return
            yield min(heater.time_within(goal, TEMP_WINDOW, fw.t), report)

    def m105(self, text: str) -> None:
        """Report temperatures on the ok line itself (no ADVANCED_OK fields, as Marlin does)."""
        self.fw.no_ok = True
        self.fw.send_ok("ok" + self.fw.temperature_report())

    def m155(self, text: str) -> None:
        """Temperature autoreport every S seconds (0 turns it off)."""
        value = params(text).get("S")
        if value is not None:
            self.fw.set_autoreport(min(max(value, 0.0), 60.0))

    def m106(self, text: str) -> None:
        """Fan speed 0-255."""
        self.fan = int(min(max(params(text).get("S", 255.0), 0.0), 255.0))

    def m107(self, text: str) -> None:
        """Fan off."""
        self.fan = 0

    def m81(self, text: str) -> Wake:
        """Power off: heaters off, moves finished."""
        self.fw.hotend.set_target(0.0, self.fw.t)
        self.fw.bed.set_target(0.0, self.fw.t)
        self.in_sequence = False
        yield from self.synchronize()

    # -- host protocol ------------------------------------------------------------------------------

    def no_op(self, text: str) -> None:
        """Accepted, nothing to simulate."""

    def m110(self, text: str) -> None:
        """Set the expected line number (the check already used it when the line was read)."""
        value = params(text).get("N")
        if value is not None:
            self.fw.last_n = int(value)

    def m112(self, text: str) -> None:
        """Emergency stop (normally caught earlier by the emergency parser)."""
        self.fw.kill()

    def m113(self, text: str) -> None:
        """Host keepalive interval."""
        value = params(text).get("S")
        if value is None:
            self.fw.emit(f"echo:M113 S{self.fw.busy_interval:g}")
        else:
            self.fw.busy_interval = min(max(value, 0.0), 60.0)

    def m115(self, text: str) -> None:
        """Firmware name and capabilities."""
        fw = self.fw
        fw.emit(
            f"FIRMWARE_NAME:Marlin {FIRMWARE_VERSION} (PrintEdge virtual printer) "
            "SOURCE_CODE_URL:github.com/MarlinFirmware/Marlin PROTOCOL_VERSION:1.0 "
            f"MACHINE_TYPE:PrintEdge Virtual EXTRUDER_COUNT:1 UUID:{fw.uuid}"
        )
        autoreport = int(fw.settings.autoreport_temp)
        for capability in _CAPABILITIES:
            fw.emit("Cap:" + capability.format(autoreport=autoreport))

    def m117(self, text: str) -> None:
        """Set the display message."""
        self.message = _HEAD.sub("", text, count=1).strip()

    def m118(self, text: str) -> None:
        """Echo text to the host (E1: as echo:, A1: as an action command)."""
        body = _HEAD.sub("", text, count=1).strip()
        prefix = ""
        if body[:2] in ("E1", "A1") and body[2:3] in ("", " "):
            prefix = "echo:" if body[0] == "E" else "//"
            body = body[2:].strip()
        self.fw.emit(prefix + body)

    def m119(self, text: str) -> None:
        """Endstop states."""
        self.fw.emit("Reporting endstop status")
        for axis in "xyz":
            self.fw.emit(f"{axis}_min: open")

    def m503(self, text: str) -> None:
        """A few of the settings Marlin reports."""
        self.fw.emit("echo:; Steps per unit:")
        self.fw.emit("echo:  M92 X80.00 Y80.00 Z400.00 E93.00")

    def m0(self, text: str) -> Wake:
        """Wait for the user (M108 from the host), or S<s>/P<ms>."""
        values = params(text)
        seconds = values["P"] / 1000.0 if "P" in values else math.inf
        if "S" in values:
            seconds = values["S"]
        self.in_sequence = False
        yield from self.synchronize()
        yield from self._wait_for_user(seconds)

    def m600(self, text: str) -> Wake:
        """Filament change: park and wait for the user (M108)."""
        self.in_sequence = False
        yield from self.synchronize()
        yield from self._wait_for_user(math.inf)

    def _wait_for_user(self, seconds: float) -> Wake:
        fw = self.fw
        fw.busy_text = BUSY_PAUSED
        fw.cancel_wait = False
        end = fw.t + seconds
        while not fw.cancel_wait and fw.t < end:
            yield end

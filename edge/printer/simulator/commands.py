"""The G-code the virtual Marlin understands; a command that blocks is a generator yielding wake-up times."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Generator
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from edge.gcode.text import command_word, params
from edge.printer.simulator.arcs import arc_points, offset_from_radius
from edge.printer.simulator.heaters import AMBIENT_C, Heater
from edge.printer.simulator.host import HEAD, HostCommands

if TYPE_CHECKING:
    from edge.printer.simulator.firmware import Firmware

Wake = Generator[float, None, None]
Handler = Callable[[str], "Wake | None"]

BUSY_PROCESSING = "echo:busy: processing"
BUSY_PAUSED = "echo:busy: paused for user"
DEFAULT_FEEDRATE = 1500.0  # mm/min
HOMING_S = 1.5
PROBING_S = 3.0
TEMP_WINDOW = 1.0
_AXES = "XYZE"
_STEPS_PER_MM = (80.0, 80.0, 400.0)
_LETTER = re.compile(r"[A-Za-z]")


@dataclass(slots=True)
class Command:
    """A line that passed the firmware's checks and waits in the command queue."""

    number: int | None
    text: str
    damaged: bool
    fragment: bool = False  # the rest of a line whose beginning an RX drain threw away


class Commands:
    """Machine state (position, modes, fan) and one handler per G-code."""

    def __init__(self, fw: Firmware) -> None:
        self.fw = fw
        self.time_scale = max(fw.settings.time_scale, 0.0)
        self.host = HostCommands(fw)
        self.handlers: dict[str, Handler] = dict(self.host.handlers())
        self.handlers.update(
            {
                "G0": self.move, "G1": self.move, "G2": self.g2, "G3": self.g3, "G4": self.g4,
                "G28": self.g28, "G29": self.g29, "G90": self.g90, "G91": self.g91, "G92": self.g92,
                "M0": self.m0, "M1": self.m0, "M18": self.m84, "M81": self.m81, "M82": self.m82,
                "M83": self.m83, "M84": self.m84, "M104": self.m104, "M105": self.m105, "M106": self.m106,
                "M107": self.m107, "M109": self.m109, "M114": self.m114, "M140": self.m140,
                "M190": self.m190, "M220": self.m220, "M221": self.m221, "M400": self.m400,
                "M410": self.m410, "M600": self.m600,
            }
        )  # fmt: skip
        if fw.settings.autoreport_temp:
            self.handlers["M155"] = self.m155
        self.line: int | None = None  # the number of the running command, given to its planner blocks
        self.unknown_handler: Handler = self.unknown
        self.tool_handler: Handler = self.tool
        self.gate: Callable[[Commands, str], Handler | None] | None = None  # the dialect's veto (Klipper shut down)
        fw.dialect.install(self)
        self.reset()

    def reset(self) -> None:
        """Power-on state."""
        self.position = [0.0, 0.0, 0.0, 0.0]
        self.relative = [False, False, False, False]
        self.feedrate = DEFAULT_FEEDRATE
        self.feedrate_pct = 100.0
        self.flow_pct = 100.0
        self.fan = 0
        self.host.message = ""
        self.in_sequence = False  # a move came last, with no synchronising command since
        self.homed: set[int] = set()  # axes (0 X, 1 Y, 2 Z) homed since power-on

    def handler_for(self, text: str) -> Handler:
        """The handler of a command's text (`unknown` when the firmware does not understand it)."""
        word = command_word(text) if text else ""
        if self.gate is not None:
            vetoed = self.gate(self, word)
            if vetoed is not None:
                return vetoed
        handler = self.handlers.get(word)
        if handler is not None:
            return handler
        if word[:1] == "T" and word[1:].isdigit():
            return self.tool_handler
        return self.unknown_handler

    def unknown(self, text: str) -> None:
        """Not a command this firmware has: say so, run nothing."""
        self.fw.stats.unknown_commands += 1
        self.fw.emit_lines(self.fw.dialect.unknown_lines(text))

    def tool(self, text: str) -> None:
        """T<n>: a single-extruder printer only has T0."""
        word = command_word(text)
        if word != "T0":
            self.fw.emit(f"echo:{word} Invalid extruder")

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
        if fw.planner.add(fw.t, duration, self.line) and self.in_sequence and self.time_scale > 0.0:
            stats.underruns += 1
        self.in_sequence = True
        stats.moves += 1
        stats.max_planner_depth = max(stats.max_planner_depth, fw.planner.depth(fw.t))

    def _wait_for_blocks(self, durations: list[float]) -> Wake:
        fw = self.fw
        for duration in durations:
            while fw.planner.free(fw.t) <= 0:
                yield fw.planner.next_free_time()
            self._add_block(duration)

    def queue_block(self, duration: float) -> Wake | None:
        """Add one move block, waiting for a free slot when the planner is full."""
        if self.fw.planner.free(self.fw.t) > 0:
            self._add_block(duration)
            return None
        return self._wait_for_blocks([duration])

    def queue_blocks(self, durations: list[float]) -> Wake | None:
        """Add move blocks in order, waiting for a free slot whenever the planner is full."""
        if self.fw.planner.free(self.fw.t) >= len(durations):
            for duration in durations:
                self._add_block(duration)
            return None
        return self._wait_for_blocks(durations)

    # -- motion ------------------------------------------------------------------------------------

    def _destination(self, values: dict[str, float]) -> tuple[float, float, float, float]:
        """Where X, Y, Z, E of a move lead (relative or absolute per axis); F sets the feedrate."""
        feed = values.get("F")
        if feed is not None and feed > 0.0:
            self.feedrate = feed
        target = list(self.position)
        for index, axis in enumerate(_AXES):
            value = values.get(axis)
            if value is not None:
                target[index] = target[index] + value if self.relative[index] else value
        return target[0], target[1], target[2], target[3]

    def _duration(self, dx: float, dy: float, dz: float, de: float) -> float:
        """A straight block's time: its XYZ length (E alone when XYZ stay) at the feedrate, times time_scale."""
        distance = math.sqrt(dx * dx + dy * dy + dz * dz) or abs(de)
        return distance / (self.feedrate * self.feedrate_pct / 6000.0) * self.time_scale

    def move(self, text: str) -> Wake | None:
        """G0/G1: a straight move, one planner block."""
        values = params(text)
        feed = values.get("F")
        if feed is not None and feed > 0.0:
            self.feedrate = feed
        position, relative = self.position, self.relative
        delta = [0.0, 0.0, 0.0, 0.0]
        for index, axis in enumerate(_AXES):
            value = values.get(axis)
            if value is not None:
                target = position[index] + value if relative[index] else value
                delta[index] = target - position[index]
        if not any(delta):
            return None
        end = (position[0] + delta[0], position[1] + delta[1], position[2] + delta[2], position[3] + delta[3])
        if self.refuses_unhomed(delta, end):
            return None
        self.position = list(end)
        return self.queue_block(self._duration(*delta))

    def refuses_unhomed(self, delta: list[float], end: tuple[float, float, float, float]) -> bool:
        """A firmware that requires homing answers a move of an unhomed X, Y or Z with an error instead."""
        if all(delta[index] == 0.0 or index in self.homed for index in range(3)):
            return False
        lines = self.fw.dialect.unhomed_lines(end)
        if lines is None:
            return False
        self.fw.emit_lines(lines)
        return True

    def follow(self, points: list[tuple[float, float, float]], de: float, feed: float | None) -> Wake | None:
        """Straight moves through `points` (absolute X, Y, Z), E spread evenly: a firmware's own arc as G1s."""
        if feed is not None and feed > 0.0:
            self.feedrate = feed
        durations: list[float] = []
        for x, y, z in points:
            start = self.position
            end = (x, y, z, start[3] + de / len(points))
            delta = [end[i] - start[i] for i in range(4)]
            if self.refuses_unhomed(delta, end):
                break
            durations.append(self._duration(*delta))
            self.position = list(end)
        return self.queue_blocks(durations) if durations else None

    def g2(self, text: str) -> Wake | None:
        """Clockwise arc."""
        return self._arc(text, clockwise=True)

    def g3(self, text: str) -> Wake | None:
        """Counter-clockwise arc."""
        return self._arc(text, clockwise=False)

    def _arc(self, text: str, clockwise: bool) -> Wake | None:
        """G2/G3 with I/J or R: one planner block per segment; the ok waits until the last is buffered."""
        values = params(text)
        start = (self.position[0], self.position[1], self.position[2], self.position[3])
        end = self._destination(values)
        if "R" in values:
            offset = offset_from_radius(start, end, values["R"], clockwise)
        else:
            offset = (values.get("I", 0.0), values.get("J", 0.0))
        if offset == (0.0, 0.0):
            self.fw.emit_lines(self.fw.dialect.error_lines("G2/G3 bad parameters"))
            return None
        points = arc_points(start, end, offset, clockwise)
        if not points:
            return None
        self.position = list(end)
        durations = [
            self._duration(b[0] - a[0], b[1] - a[1], b[2] - a[2], b[3] - a[3]) for a, b in pairwise([start, *points])
        ]
        return self.queue_blocks(durations)

    def _axes(self, text: str) -> set[str]:
        head = HEAD.match(text)
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
            self.homed.add(index)

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
                line = fw.dialect.heating_line(fw, heater)
                if line is not None:
                    fw.emit(line)
                report += 1.0
            if fw.cancel_wait or abs(heater.at(fw.t) - goal) <= TEMP_WINDOW:
                return
            yield min(heater.time_within(goal, TEMP_WINDOW, fw.t), report)

    def m105(self, text: str) -> None:
        """Report temperatures as the dialect does (Marlin: on the ok line itself, without ADVANCED_OK fields)."""
        self.fw.dialect.m105(self.fw)

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

"""What the printer's motion, heaters and overrides are doing, followed from the commands it executed."""

from __future__ import annotations

from dataclasses import dataclass, replace

from edge.gcode.text import parse_command

_MOVES = frozenset({"G0", "G1", "G2", "G3"})
_ARCS = frozenset({"G2", "G3"})


@dataclass
class MachineState:
    """Positions, modes, targets, fan and overrides as implied by the G-code the printer ran."""

    x: float = 0.0
    y: float = 0.0
    z: float = 0.0
    e: float = 0.0
    feedrate: float = 1500.0
    absolute_xyz: bool = True
    absolute_e: bool = True
    hotend_target: float = 0.0
    bed_target: float = 0.0
    fan: float = 0.0
    feedrate_pct: float = 100.0
    flow_pct: float = 100.0
    homed_x: bool = False
    homed_y: bool = False
    homed_z: bool = False

    def apply(self, command: str) -> float:
        """Follow one command; returns how far a move goes on its longest axis (0 for anything else)."""
        return self.apply_parsed(*parse_command(command))

    def apply_parsed(self, word: str, values: dict[str, float]) -> float:
        """Follow one command given as its word and parameters; returns the move's longest axis travel."""
        if word in _MOVES:
            return self._move(word, values)
        if word == "G92":
            for axis in ("X", "Y", "Z", "E"):
                if axis in values:
                    setattr(self, axis.lower(), values[axis])
            if not values:
                self.x = self.y = self.z = self.e = 0.0
        elif word == "G28":
            axes = [a for a in ("X", "Y", "Z") if a in values] or ["X", "Y", "Z"]
            for axis in axes:
                setattr(self, axis.lower(), 0.0)
                setattr(self, f"homed_{axis.lower()}", True)
        elif word == "G90":
            self.absolute_xyz = self.absolute_e = True
        elif word == "G91":
            self.absolute_xyz = self.absolute_e = False
        elif word == "M82":
            self.absolute_e = True
        elif word == "M83":
            self.absolute_e = False
        elif word in ("M104", "M109"):
            self.hotend_target = values.get("S", values.get("R", self.hotend_target))
        elif word in ("M140", "M190"):
            self.bed_target = values.get("S", values.get("R", self.bed_target))
        elif word == "M106":
            self.fan = values.get("S", 255.0)
        elif word == "M107":
            self.fan = 0.0
        elif word == "M220" and "S" in values:
            self.feedrate_pct = values["S"]
        elif word == "M221" and "S" in values:
            self.flow_pct = values["S"]
        return 0.0

    def copy(self) -> MachineState:
        """An independent copy."""
        return replace(self)

    def _move(self, word: str, values: dict[str, float]) -> float:
        # Written out per axis: this runs twice for every line streamed (when sent and when finished).
        get = values.get
        relative = not self.absolute_xyz
        travel = 0.0
        if (value := get("X")) is not None:
            new = self.x + value if relative else value
            travel = max(travel, abs(new - self.x))
            self.x = new
        if (value := get("Y")) is not None:
            new = self.y + value if relative else value
            travel = max(travel, abs(new - self.y))
            self.y = new
        if (value := get("Z")) is not None:
            new = self.z + value if relative else value
            travel = max(travel, abs(new - self.z))
            self.z = new
        if (value := get("E")) is not None:
            new = value if self.absolute_e else self.e + value
            travel = max(travel, abs(new - self.e))
            self.e = new
        if (value := get("F")) is not None:
            self.feedrate = value
        if word in _ARCS and ("I" in values or "J" in values or "R" in values):
            # A full circle ends where it starts and still travels: an arc with a centre always moves.
            travel = max(travel, abs(get("R", 0.0)), abs(get("I", 0.0)), abs(get("J", 0.0)))
        return travel

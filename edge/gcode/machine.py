"""What the printer's motion and heaters are doing, followed from the commands it executed."""

from __future__ import annotations

from dataclasses import dataclass

from edge.gcode.text import command_word, params


@dataclass
class MachineState:
    """Positions, modes, targets and fan as implied by the executed G-code."""

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

    def apply(self, command: str) -> None:
        """Follow one executed command."""
        word = command_word(command)
        if word in ("G0", "G1", "G2", "G3"):
            self._move(params(command))
        elif word == "G92":
            values = params(command)
            for axis in ("X", "Y", "Z", "E"):
                if axis in values:
                    setattr(self, axis.lower(), values[axis])
            if not values:
                self.x = self.y = self.z = self.e = 0.0
        elif word == "G28":
            values = params(command)
            axes = [a for a in ("X", "Y", "Z") if a in values] or ["X", "Y", "Z"]
            for axis in axes:
                setattr(self, axis.lower(), 0.0)
        elif word == "G90":
            self.absolute_xyz = self.absolute_e = True
        elif word == "G91":
            self.absolute_xyz = self.absolute_e = False
        elif word == "M82":
            self.absolute_e = True
        elif word == "M83":
            self.absolute_e = False
        elif word in ("M104", "M109"):
            self.hotend_target = params(command).get("S", params(command).get("R", self.hotend_target))
        elif word in ("M140", "M190"):
            self.bed_target = params(command).get("S", params(command).get("R", self.bed_target))
        elif word == "M106":
            self.fan = params(command).get("S", 255.0)
        elif word == "M107":
            self.fan = 0.0

    def _move(self, values: dict[str, float]) -> None:
        for axis in ("X", "Y", "Z"):
            if axis in values:
                cur = getattr(self, axis.lower())
                setattr(self, axis.lower(), values[axis] if self.absolute_xyz else cur + values[axis])
        if "E" in values:
            self.e = values["E"] if self.absolute_e else self.e + values["E"]
        if "F" in values:
            self.feedrate = values["F"]

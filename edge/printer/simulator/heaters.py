"""First-order thermal model of a heater, evaluated in closed form at any time."""

from __future__ import annotations

import math
from collections.abc import Callable

AMBIENT_C = 25.0
# Where a heater stuck fully on ends up (a runaway), and what Marlin reads from an open thermistor.
RUNAWAY_C = 450.0
OPEN_THERMISTOR_C = -14.0
HEATER_FAULTS = ("none", "dead", "thermistor_open", "stuck", "runaway")


class Heater:
    """A heater that approaches its target (or ambient when off) exponentially."""

    def __init__(self, tau_s: float, time_scale: float, clock: Callable[[], float]) -> None:
        self.tau = max(tau_s * time_scale, 0.0)
        self.target = 0.0
        self._clock = clock
        self._t0 = 0.0
        self._temp0 = AMBIENT_C
        self.fault = "none"
        self._frozen = AMBIENT_C

    @property
    def temperature(self) -> float:
        """The temperature now."""
        return self.at(self._clock())

    def _goal(self) -> float:
        if self.fault == "dead":
            return AMBIENT_C
        if self.fault == "runaway":
            return RUNAWAY_C
        return max(self.target, AMBIENT_C)

    def reading(self, t: float) -> float:
        """What the thermistor reports at time t (a fault may make it differ from the metal's temperature)."""
        if self.fault == "thermistor_open":
            return OPEN_THERMISTOR_C
        if self.fault == "stuck":
            return self._frozen
        return self.at(t)

    def set_fault(self, fault: str, t: float) -> None:
        """Inject a fault at time t: dead (never heats), thermistor_open, stuck (reading frozen), runaway, none."""
        if fault not in HEATER_FAULTS:
            raise ValueError(f"unknown heater fault {fault!r}: use one of {', '.join(HEATER_FAULTS)}")
        self._temp0 = self.at(t)
        self._t0 = t
        self._frozen = self._temp0
        self.fault = fault

    def at(self, t: float) -> float:
        """The temperature at time t (not before the last target change)."""
        goal = self._goal()
        if self.tau <= 0.0:
            return goal
        elapsed = max(t - self._t0, 0.0)
        return goal + (self._temp0 - goal) * math.exp(-elapsed / self.tau)

    def set_target(self, target: float, t: float) -> None:
        """Change the target at time t (0 or less switches the heater off)."""
        self._temp0 = self.at(t)
        self._t0 = t
        self.target = max(target, 0.0)

    def reset(self, t: float) -> None:
        """Heater off at time t; the metal keeps its temperature."""
        self.set_target(0.0, t)

    def time_within(self, target: float, window: float, t: float) -> float:
        """The first time from t when the temperature is within `window` of `target` (inf: never)."""
        temp = self.at(t)
        if abs(temp - target) <= window:
            return t
        goal = self._goal()
        offset = goal - target
        if abs(offset) >= window or self.tau <= 0.0:
            return t if self.tau <= 0.0 and abs(offset) <= window else math.inf
        distance = temp - goal
        room = (window - offset) if distance > 0 else (window + offset)
        ratio = room * 0.999 / abs(distance)
        return t + self.tau * -math.log(ratio)

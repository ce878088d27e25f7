"""First-order thermal model of a heater, evaluated in closed form at any time."""

from __future__ import annotations

import math
from collections.abc import Callable

AMBIENT_C = 25.0


class Heater:
    """A heater that approaches its target (or ambient when off) exponentially."""

    def __init__(self, tau_s: float, time_scale: float, clock: Callable[[], float]) -> None:
        self.tau = max(tau_s * time_scale, 0.0)
        self.target = 0.0
        self._clock = clock
        self._t0 = 0.0
        self._temp0 = AMBIENT_C

    @property
    def temperature(self) -> float:
        """The temperature now."""
        return self.at(self._clock())

    def _goal(self) -> float:
        return max(self.target, AMBIENT_C)

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

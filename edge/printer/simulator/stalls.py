"""When Marlin's main loop is held: a command's own time, a reply written without a TX buffer, an LCD redraw."""

from __future__ import annotations

import math
from collections.abc import Callable

from edge.printer.simulator.settings import SimulatorSettings, SimulatorStats

INF = math.inf


class Holds:
    """While held, the main loop neither reads RX nor runs commands; only the serial ISR works."""

    def __init__(self, settings: SimulatorSettings, stats: SimulatorStats) -> None:
        self.stats = stats
        self.command_s = max(settings.command_time_ms, 0.0) / 1000.0
        self.blocking = settings.blocking_replies and settings.baud > 0
        periodic = settings.stall_every_ms > 0.0 and settings.stall_ms > 0.0
        self.every_s = settings.stall_every_ms / 1000.0 if periodic else 0.0
        self.stall_s = settings.stall_ms / 1000.0 if periodic else 0.0
        self.reset(0.0)

    def reset(self, t: float) -> None:
        """Power-on at t: nothing held, the first periodic stall one period later."""
        self.until = -INF  # the main loop is held until this time
        self.then: Callable[[], None] | None = None  # what the firmware does when the hold ends
        self.next_stall = t + self.every_s if self.every_s else INF

    def hold(self, t: float, until: float) -> None:
        """Hold the main loop from t (or the end of the current hold) until `until`."""
        start = max(self.until, t)
        if until <= start:
            return
        if self.until <= t:
            self.stats.stalls += 1
        self.stats.stall_time_s += until - start
        self.until = until

    def stall(self, t: float) -> None:
        """A periodic stall begins at t; the next one is due a period after this one began."""
        self.hold(t, t + self.stall_s)
        self.next_stall = t + self.every_s

"""The last minutes of temperatures, so a panel opened mid-print draws its chart at once."""

from __future__ import annotations

import time
from collections import deque

from edge.printer.protocol import Temperatures

# Ten minutes at one sample every two seconds.
KEEP_S = 600.0
SAMPLE_EVERY_S = 2.0


class TemperatureLog:
    """Samples [time, hotend, hotend target, bed, bed target], at most one per SAMPLE_EVERY_S, for KEEP_S."""

    def __init__(self, keep_s: float = KEEP_S, every_s: float = SAMPLE_EVERY_S) -> None:
        self._every_s = every_s
        self._samples: deque[list[float]] = deque(maxlen=int(keep_s / every_s) + 1)

    def note(self, temperatures: Temperatures, now: float | None = None) -> None:
        """Keep a report unless the previous sample is younger than the sampling interval."""
        at = time.time() if now is None else now
        if self._samples and at - self._samples[-1][0] < self._every_s:
            return
        t = temperatures
        self._samples.append([round(at, 1), t.hotend or 0.0, t.hotend_target or 0.0, t.bed or 0.0, t.bed_target or 0.0])

    def samples(self) -> list[list[float]]:
        """Every kept sample, oldest first."""
        return list(self._samples)

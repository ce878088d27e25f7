"""Round trips measured on the link: how soon an answer can follow a line."""

from __future__ import annotations

# Round trips measured before an answer may be judged too early to belong to the latest transmission.
MIN_SAMPLES = 8


class RoundTrips:
    """The shortest and a running average of line-to-answer times."""

    def __init__(self) -> None:
        self.minimum = 0.05
        self.average = 0.05
        self.samples = 0

    def sample(self, seconds: float) -> None:
        """One line's first transmission and its answer were this far apart."""
        if seconds <= 0:
            return
        self.samples += 1
        self.minimum = min(self.minimum, seconds)
        self.average = 0.9 * self.average + 0.1 * seconds

    def stale_window(self) -> float:
        """An answer sooner than this after a transmission cannot be about it (0 until measured enough)."""
        return 0.5 * self.minimum if self.samples >= MIN_SAMPLES else 0.0

    def minimum_ms(self) -> float | None:
        """The shortest round trip in milliseconds, once measured."""
        return round(self.minimum * 1000, 3) if self.samples else None

"""A bounded ring of recent firmware traffic for the panel's terminal: replies and the commands people sent."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

CONSOLE_LINES = 1000


@dataclass(frozen=True, slots=True)
class ConsoleLine:
    """One line of the terminal: `sent` by a person or `received` from the firmware."""

    seq: int
    at: float
    direction: str
    text: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"seq": self.seq, "at": self.at, "direction": self.direction, "text": self.text}


class ConsoleRing:
    """The newest lines of firmware traffic, numbered so a reader can ask for what came after its last one."""

    def __init__(self, size: int = CONSOLE_LINES) -> None:
        # Plain tuples (seq, at, direction, text): one is kept for every line the firmware sends while streaming,
        # and only the few a reader asks for become ConsoleLines.
        self._lines: deque[tuple[int, float, str, str]] = deque(maxlen=size)
        self._seq = 0

    @property
    def last_seq(self) -> int:
        """The number of the newest line (0 before any)."""
        return self._seq

    def received(self, text: str) -> None:
        """A line the firmware sent."""
        self._seq += 1
        self._lines.append((self._seq, time.time(), "received", text))

    def sent(self, text: str) -> None:
        """A command a person sent (through the control surface)."""
        self._seq += 1
        self._lines.append((self._seq, time.time(), "sent", text))

    def after(self, seq: int, limit: int) -> list[ConsoleLine]:
        """Up to `limit` of the newest lines numbered above `seq`, oldest first."""
        newer = [line for line in reversed(self._lines) if line[0] > seq][:limit]
        return [ConsoleLine(*line) for line in reversed(newer)]

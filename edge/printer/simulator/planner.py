"""The motion planner: a FIFO of timed move blocks on simulated time."""

from __future__ import annotations

from collections import deque


class Planner:
    """Marlin's block buffer: blocks run back to back, each for its own duration."""

    def __init__(self, capacity: int) -> None:
        self.capacity = max(1, capacity)
        self._ends: deque[float] = deque()
        self._lines: deque[int | None] = deque()  # the line number of the command that made each block
        self._last_end = float("-inf")

    def _retire(self, t: float) -> None:
        ends = self._ends
        while ends and ends[0] <= t:
            ends.popleft()
            self._lines.popleft()

    def depth(self, t: float) -> int:
        """Blocks queued or running at time t."""
        self._retire(t)
        return len(self._ends)

    def free(self, t: float) -> int:
        """Free block slots at time t (the P of ADVANCED_OK)."""
        return self.capacity - self.depth(t)

    def is_empty(self, t: float) -> bool:
        """Whether the steppers have nothing left to do at time t."""
        return self.depth(t) == 0

    def next_free_time(self) -> float:
        """When the running block finishes and frees a slot."""
        return self._ends[0] if self._ends else float("-inf")

    def drain_time(self) -> float:
        """When the last queued block finishes."""
        return self._last_end

    def pending_lines(self, t: float) -> list[int]:
        """Line numbers of the numbered commands whose blocks have not finished by time t."""
        self._retire(t)
        return [line for line in self._lines if line is not None]

    def add(self, t: float, duration: float, line: int | None = None) -> bool:
        """Queue a block at time t for command `line`; returns whether the planner had run dry before it."""
        dry = self.is_empty(t)
        start = t if dry else self._last_end
        self._last_end = start + max(duration, 0.0)
        self._ends.append(self._last_end)
        self._lines.append(line)
        return dry

    def clear(self, t: float) -> None:
        """Drop every block (quickstop, kill, reset)."""
        self._ends.clear()
        self._lines.clear()
        self._last_end = t

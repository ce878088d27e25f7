"""Which acknowledged lines the printer has certainly finished: acknowledged is not executed."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable


class ExecutionTracker:
    """Follows processed lines and the planner's fill to find the last line that has certainly finished.

    Marlin acknowledges a move when it enters the planner, up to a planner's depth of moves ahead of the
    nozzle. The planner holds the newest `occupied` blocks of the stream, so walking back from the newest
    processed line over lines that certainly take a block, the `occupied`-th of them is the earliest that may
    still be unfinished; every line before it has finished. A line whose block count is uncertain (a move
    that may be shorter than a step) counts as none, which only walks further back.
    """

    def __init__(self, planner_depth: int) -> None:
        self.planner_depth = planner_depth
        self.finished = -1
        self.processed = -1
        self._block_lines: deque[int] = deque()

    def reset(self, number: int) -> None:
        """Everything up to `number` is finished (a new connection, or a known empty planner)."""
        self.finished = self.processed = number
        self._block_lines.clear()

    def note_processed(self, number: int, blocks: int, drains: bool) -> None:
        """The firmware processed line `number` (lines arrive in order)."""
        if number <= self.processed:
            return
        self.processed = number
        if drains:
            self.reset(number)
        elif blocks > 0:
            self._block_lines.append(number)

    def settle(self, occupied: int | None) -> int:
        """Update the frontier from the planner's fill (None: unknown, assume full); returns it."""
        fill = self.planner_depth if occupied is None else max(occupied, 0)
        lines = self._block_lines
        if fill == 0:
            self.finished = self.processed
            lines.clear()
        elif len(lines) >= fill:
            while len(lines) > fill:
                lines.popleft()
            self.finished = max(self.finished, lines[0] - 1)
        return self.finished

    def finished_through(self, number: int) -> int:
        """A reply showed that line `number` ran: it and everything before it have finished; returns the frontier."""
        if number >= self.processed:
            self.reset(number)
            return self.finished
        self.finished = max(self.finished, number)
        lines = self._block_lines
        while lines and lines[0] <= number:
            lines.popleft()
        return self.finished


class RunReports:
    """On firmware that acknowledges a line when it arrives (Repetier), M105's report is printed when it runs.

    Commands run in order, so the oldest M105 received and not yet reported is the one a report answers: it ran,
    and so did everything before it. A heating wait prints reports of its own while it runs; while one may be
    running ahead of an M105, a report proves nothing. A lost report only makes later ones prove less.
    """

    def __init__(self) -> None:
        self._received: deque[int] = deque()

    def received(self, number: int) -> None:
        """Line `number`, an M105, was acknowledged (received)."""
        self._received.append(number)

    def reported(self, heating_before: Callable[[int], bool]) -> int | None:
        """A temperature report arrived: the line it shows ran, or None."""
        if not self._received or heating_before(self._received[0]):
            return None
        return self._received.popleft()

    def clear(self) -> None:
        """A new connection: nothing outstanding."""
        self._received.clear()

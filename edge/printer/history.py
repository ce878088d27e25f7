"""The numbered lines framed on one connection: kept for resends, with running totals for O(1) ranges."""

from __future__ import annotations

from dataclasses import dataclass

from edge.gcode.commands import LineKind, drains_planner
from edge.gcode.text import frame


@dataclass(slots=True)
class Line:
    """One numbered line: what was framed, what it holds, and when it went out."""

    number: int
    command: str
    data: bytes
    kind: LineKind
    blocks: int  # planner blocks it certainly takes (0 when unsure)
    drains: bool  # its acknowledgement proves every earlier move finished
    ticket: object | None  # the shell's handle, answered when acknowledged
    tag: object | None  # the caller's tag, reported once the printer finished the line
    # Running totals over all lines up to this one: range queries in O(1) for flow control.
    total_bytes: int = 0
    total_moves: int = 0
    total_blocking: int = 0
    total_holds: int = 0
    sent_at: float = 0.0
    sends: int = 0


class LineHistory:
    """Lines numbered from 0 since the last M110; the oldest are forgotten once finished and far enough back."""

    def __init__(self) -> None:
        self._lines: dict[int, Line] = {}
        self.oldest = 0
        self.next_number = 0
        self.last_m110 = -1  # never resend this line or an earlier one: it would set the firmware's counter back

    def clear(self) -> None:
        """Start again from line 0."""
        self._lines.clear()
        self.oldest = self.next_number = 0
        self.last_m110 = -1

    def frame(self, command: str, kind: LineKind, blocks: int, ticket: object | None, tag: object | None) -> Line:
        """Number and frame the next line."""
        number = self.next_number
        drains = kind is LineKind.SYNC and drains_planner(command)
        line = Line(number, command, frame(number, command), kind, blocks, drains, ticket, tag)
        before = self._lines.get(number - 1)
        if before is not None:
            line.total_bytes, line.total_moves = before.total_bytes, before.total_moves
            line.total_blocking, line.total_holds = before.total_blocking, before.total_holds
        line.total_bytes += len(line.data)
        line.total_moves += kind is LineKind.MOVE
        line.total_blocking += kind.may_block
        line.total_holds += kind.holds_back
        if command.startswith("M110"):
            self.last_m110 = number
        self._lines[number] = line
        self.next_number += 1
        return line

    def __getitem__(self, number: int) -> Line:
        return self._lines[number]

    def __contains__(self, number: int) -> bool:
        return number in self._lines

    def __len__(self) -> int:
        return len(self._lines)

    def get(self, number: int) -> Line | None:
        """A kept line, or None."""
        return self._lines.get(number)

    def size(self, first: int, end: int) -> int:
        """Bytes of the lines numbered [first, end)."""
        if end <= first:
            return 0
        before = self._lines.get(first - 1)
        return self._lines[end - 1].total_bytes - (before.total_bytes if before else 0)

    def moves(self, first: int, end: int) -> int:
        """Single-block moves among the lines numbered [first, end)."""
        if end <= first:
            return 0
        before = self._lines.get(first - 1)
        return self._lines[end - 1].total_moves - (before.total_moves if before else 0)

    def blocking(self, first: int, end: int) -> int:
        """Lines that may keep the firmware inside a command among those numbered [first, end)."""
        if end <= first:
            return 0
        before = self._lines.get(first - 1)
        return self._lines[end - 1].total_blocking - (before.total_blocking if before else 0)

    def holds(self, first: int, end: int) -> int:
        """Waits (heating, homing, dwelling, emptying the planner) among the lines numbered [first, end)."""
        if end <= first:
            return 0
        before = self._lines.get(first - 1)
        return self._lines[end - 1].total_holds - (before.total_holds if before else 0)

    def forget_below(self, number: int) -> None:
        """Drop every line numbered below `number`."""
        lines = self._lines
        while self.oldest < number:
            lines.pop(self.oldest, None)
            self.oldest += 1

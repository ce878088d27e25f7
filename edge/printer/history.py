"""The numbered lines framed on one connection: kept for resends, with running totals for O(1) ranges."""

from __future__ import annotations

from dataclasses import dataclass

from edge.gcode.commands import LineKind, drains_planner
from edge.gcode.text import frame


@dataclass(slots=True)
class Line:
    """One command: queued as it is, then numbered and framed when it goes out (one object all the way)."""

    command: str
    kind: LineKind
    blocks: int  # planner blocks it certainly takes (0 when unsure)
    ticket: object | None  # the shell's handle, answered when acknowledged
    tag: object | None  # the caller's tag, reported once the printer finished the line
    number: int = -1  # -1 until framed
    data: bytes = b""  # `N<number> <command>*<checksum>` and its newline, once framed
    drains: bool = False  # its acknowledgement proves every earlier move finished
    # Running totals over all lines up to this one: range queries in O(1) for flow control.
    total_bytes: int = 0
    total_moves: int = 0
    total_blocking: int = 0
    total_holds: int = 0
    sent_at: float = 0.0
    sends: int = 0


# The kinds counted among the blocking lines and among the waits: tuples, whose `in` compares identities (a frozenset
# would call LineKind's Python __hash__).
_BLOCKING = tuple(kind for kind in LineKind if kind.may_block)
_HOLDS = tuple(kind for kind in LineKind if kind.holds_back)


class LineHistory(dict[int, Line]):
    """Lines by number from 0 since the last M110; the oldest are forgotten once finished and far enough back.

    A dict itself, so the protocol core's many look-ups per line cost no Python call.
    """

    def __init__(self) -> None:
        super().__init__()
        self.oldest = 0
        self.next_number = 0
        self.last_m110 = -1  # never resend this line or an earlier one: it would set the firmware's counter back

    def clear(self) -> None:
        """Start again from line 0."""
        super().clear()
        self.oldest = self.next_number = 0
        self.last_m110 = -1

    def frame(self, line: Line) -> Line:
        """Number and frame a queued line as the next one; returns it."""
        number = self.next_number
        command = line.command
        kind = line.kind
        data = frame(number, command)
        line.number = number
        line.data = data
        line.drains = kind is LineKind.SYNC and drains_planner(command)
        before = self.get(number - 1)
        if before is None:
            line.total_bytes = len(data)
            line.total_moves = kind is LineKind.MOVE
            line.total_blocking = kind in _BLOCKING
            line.total_holds = kind in _HOLDS
        else:
            line.total_bytes = before.total_bytes + len(data)
            line.total_moves = before.total_moves + (kind is LineKind.MOVE)
            line.total_blocking = before.total_blocking + (kind in _BLOCKING)
            line.total_holds = before.total_holds + (kind in _HOLDS)
        if command.startswith("M110"):
            self.last_m110 = number
        self[number] = line
        self.next_number = number + 1
        return line

    def size(self, first: int, end: int) -> int:
        """Bytes of the lines numbered [first, end)."""
        if end <= first:
            return 0
        before = self.get(first - 1)
        return self[end - 1].total_bytes - (before.total_bytes if before else 0)

    def moves(self, first: int, end: int) -> int:
        """Single-block moves among the lines numbered [first, end)."""
        if end <= first:
            return 0
        before = self.get(first - 1)
        return self[end - 1].total_moves - (before.total_moves if before else 0)

    def blocking(self, first: int, end: int) -> int:
        """Lines that may keep the firmware inside a command among those numbered [first, end)."""
        if end <= first:
            return 0
        before = self.get(first - 1)
        return self[end - 1].total_blocking - (before.total_blocking if before else 0)

    def holds(self, first: int, end: int) -> int:
        """Waits (heating, homing, dwelling, emptying the planner) among the lines numbered [first, end)."""
        if end <= first:
            return 0
        before = self.get(first - 1)
        return self[end - 1].total_holds - (before.total_holds if before else 0)

    def forget_below(self, number: int) -> None:
        """Drop every line numbered below `number`."""
        oldest = self.oldest
        while oldest < number:
            self.pop(oldest, None)
            oldest += 1
        self.oldest = oldest

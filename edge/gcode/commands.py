"""Command classes: how a command occupies the firmware's planner and how long it may keep it busy."""

from __future__ import annotations

import enum

from edge.gcode.text import command_word


class LineKind(enum.Enum):
    """How a command occupies the firmware."""

    MOVE = "move"  # one planner block (G0, G1)
    ARC = "arc"  # many planner blocks; the firmware stays inside the command while it buffers them
    SYNC = "sync"  # waits until every planned move has finished, then runs
    WAIT = "wait"  # may wait long (heating) without emptying the planner
    INSTANT = "instant"  # done at once

    @property
    def takes_blocks(self) -> bool:
        """Whether the command puts at least one block into the planner."""
        return self is LineKind.MOVE or self is LineKind.ARC

    @property
    def holds_back(self) -> bool:
        """Whether nothing should be sent after it until it is answered: a wait a stop may need to break."""
        return self is LineKind.SYNC or self is LineKind.WAIT

    @property
    def may_block(self) -> bool:
        """Whether the firmware may stay inside the command for long (and stop reading its serial input)."""
        return self is LineKind.ARC or self is LineKind.SYNC or self is LineKind.WAIT


_MOVES = frozenset({"G0", "G1"})
_ARCS = frozenset({"G2", "G3", "G5"})
# Commands that call planner.synchronize() before they act in Marlin 2.x: once one is acknowledged,
# every move sent before it has finished.
SYNC_COMMANDS = frozenset(
    {"M400", "G28", "G29", "G30", "G33", "G34", "G4", "M84", "M18", "M0", "M1", "M600", "M48", "M420", "M226"}
)
WAIT_COMMANDS = frozenset({"M109", "M190", "M191", "M303", "M116"})
# Of those, the ones Marlin's source shows to wait for the planner to empty without exception (T<n> does not
# on a single-extruder printer; M18/M84 with S only set a timeout): once acknowledged, every earlier move ran.
_DRAINS = frozenset({"M400", "G28", "G4", "M0", "M1"})


def line_kind(command: str) -> LineKind:
    """The class of one command (without comments)."""
    head = command[:3]
    if head == "G1 " or head == "G0 ":
        return LineKind.MOVE
    return word_kind(command_word(command))


def word_kind(word: str) -> LineKind:
    """The class of a command given by its word (see command_word)."""
    if word in _MOVES:
        return LineKind.MOVE
    if word in _ARCS:
        return LineKind.ARC
    if word in SYNC_COMMANDS or (word[:1] == "T" and word[1:].isdigit()):
        return LineKind.SYNC
    if word in WAIT_COMMANDS:
        return LineKind.WAIT
    return LineKind.INSTANT


def drains_planner(command: str) -> bool:
    """Whether the command's acknowledgement proves every move sent before it has finished."""
    word = command_word(command)
    if word in _DRAINS:
        return True
    return word in ("M18", "M84") and "S" not in command.upper()[len(word) :]

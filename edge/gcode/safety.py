"""The safety filter: refuses commands that could damage the printer before they reach the wire."""

from __future__ import annotations

from edge.config.schema import LimitsConfig
from edge.core.errors import CommandRejectedError, CommandTooLongError, TemperatureLimitError
from edge.gcode.text import command_word, params

_HOTEND = frozenset({"M104", "M109"})
_BED = frozenset({"M140", "M190"})


class SafetyFilter:
    """Checks each command against the configured temperature limits and the firmware's line length."""

    def __init__(self, limits: LimitsConfig, max_line_length: int) -> None:
        self.limits = limits
        self.max_line_length = max_line_length

    def check(self, command: str, word: str | None = None) -> str:
        """Return the command if it is safe, else raise a CommandRejectedError that says why (`word` when parsed)."""
        if "\n" in command or "\r" in command or "\0" in command:
            raise CommandRejectedError(f"refused command with a control character: {command[:40]!r}")
        if not command.isascii():
            raise CommandRejectedError(f"refused command with non-ASCII text: {command[:40]!r}")
        # Room for "N<number> " and "*<checksum>" around the command.
        if len(command) + 14 > self.max_line_length:
            raise CommandTooLongError(command, len(command) + 14, self.max_line_length)
        if word is None:
            word = command_word(command)
        if word in _HOTEND or word in _BED:
            values = params(command)
            target = max(values.get("S", 0.0), values.get("R", 0.0))
            if word in _HOTEND and target > self.limits.hotend_max_c:
                raise TemperatureLimitError(command, "hotend", target, self.limits.hotend_max_c)
            if word in _BED and target > self.limits.bed_max_c:
                raise TemperatureLimitError(command, "bed", target, self.limits.bed_max_c)
        return command

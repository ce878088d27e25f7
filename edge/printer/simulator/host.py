"""The G-code that talks to the host rather than the machine: line numbers, capabilities, messages, reports."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from edge.gcode.text import params

if TYPE_CHECKING:
    from collections.abc import Callable

    from edge.printer.simulator.firmware import Firmware

HEAD = re.compile(r"\s*[A-Za-z]\s*[-+]?[\d.]*")
# Accepted with a plain ok and no effect on the simulation.
_NO_OPS = (
    "G21", "M17", "M31", "M73", "M75", "M76", "M77", "M80", "M92", "M108", "M201", "M203", "M204", "M205",
    "M206", "M211", "M300", "M500", "M501", "M502", "M851",
)  # fmt: skip


class HostCommands:
    """Handlers for line numbering, emergency stop, keepalive, M115, messages and reports."""

    def __init__(self, fw: Firmware) -> None:
        self.fw = fw
        self.message = ""

    def handlers(self) -> dict[str, Callable[[str], None]]:
        """Every G-code word this class answers, with its handler."""
        table: dict[str, Callable[[str], None]] = {word: self.no_op for word in _NO_OPS}
        table.update(
            {
                "M110": self.m110, "M112": self.m112, "M113": self.m113, "M115": self.m115,
                "M117": self.m117, "M118": self.m118, "M119": self.m119, "M503": self.m503,
            }
        )  # fmt: skip
        return table

    def no_op(self, text: str) -> None:
        """Accepted, nothing to simulate."""

    def m110(self, text: str) -> None:
        """Set the expected line number (the check already used it when the line was read)."""
        value = params(text).get("N")
        if value is not None:
            self.fw.last_n = int(value)

    def m112(self, text: str) -> None:
        """Emergency stop run from the queue (a numbered M112 when the firmware has no emergency parser)."""
        self.fw.dialect.m112(self.fw)

    def m113(self, text: str) -> None:
        """Host keepalive interval."""
        value = params(text).get("S")
        if value is None:
            self.fw.emit(f"echo:M113 S{self.fw.busy_interval:g}")
        else:
            self.fw.busy_interval = min(max(value, 0.0), 60.0)

    def m115(self, text: str) -> None:
        """Firmware name and capabilities, as the dialect prints them."""
        self.fw.emit_lines(self.fw.dialect.firmware_lines(self.fw))

    def m117(self, text: str) -> None:
        """Set the display message."""
        self.message = HEAD.sub("", text, count=1).strip()

    def m118(self, text: str) -> None:
        """Echo text to the host (E1: as echo:, A1: as an action command)."""
        body = HEAD.sub("", text, count=1).strip()
        prefix = ""
        if body[:2] in ("E1", "A1") and body[2:3] in ("", " "):
            prefix = "echo:" if body[0] == "E" else "//"
            body = body[2:].strip()
        self.fw.emit(prefix + body)

    def m119(self, text: str) -> None:
        """Endstop states."""
        self.fw.emit("Reporting endstop status")
        for axis in "xyz":
            self.fw.emit(f"{axis}_min: open")

    def m503(self, text: str) -> None:
        """A few of the settings Marlin reports."""
        self.fw.emit("echo:; Steps per unit:")
        self.fw.emit("echo:  M92 X80.00 Y80.00 Z400.00 E93.00")

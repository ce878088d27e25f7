"""Models of the printer endpoints: the link's state, manual commands and the emergency stop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar, TypedDict

from edge.control.surface import MAX_COMMANDS
from edge.printer.flow import FlowMode, Overcommit
from edge.printer.link import EmergencyStopResult, LinkState
from edge.printer.profile import Dialect
from edge.printer.protocol import Temperatures
from edge.printer.stats import LinkStats
from edge.web.schema import Meta

Command = Annotated[str, Meta(description="one G-code command, e.g. G28", not_blank=True, example="G28")]


class Firmware(TypedDict):
    """The firmware as the link came to know it during this connection."""

    dialect: Dialect
    name: str
    emergency_parser: bool
    advanced_ok: bool
    keepalive_s: float | None
    ok_after_resend: bool | None
    autoreport_temperatures: bool
    arcs: bool
    capabilities: dict[str, bool]


class Flow(TypedDict):
    """How many lines the link keeps in flight."""

    mode: FlowMode
    rx_budget_bytes: int
    overcommit: Overcommit
    overcommit_tripped: bool
    clean_run: int
    clean_lines_to_widen: int
    noisy: bool


class Protocol(TypedDict):
    """The line protocol's state."""

    in_flight: int
    pending: int
    last_acknowledged: int
    last_finished: int
    flow: Flow
    rtt_min_ms: float | None


class PrinterStatus(TypedDict):
    """The printer link: state, firmware, temperatures, protocol and statistics."""

    state: LinkState
    detail: str
    port: str
    firmware: Firmware
    temperatures: Temperatures
    link: Protocol
    stats: LinkStats
    last_emergency_stop: EmergencyStopResult | None


@dataclass(frozen=True)
class CommandRequest:
    """One command, or several sent in order: give exactly one of the two fields."""

    EXACTLY_ONE_OF: ClassVar[tuple[str, ...]] = ("command", "commands")

    command: Command | None = None
    commands: Annotated[list[Command] | None, Meta(min_items=1, max_items=MAX_COMMANDS)] = None

    def as_list(self) -> list[str]:
        """The commands in order."""
        return [self.command] if self.command is not None else list(self.commands or [])


class CommandsSent(TypedDict):
    """Every command was acknowledged by the printer."""

    ok: bool
    sent: int


@dataclass(frozen=True)
class EmergencyStopRequest:
    """Why the printer is being stopped (for the audit log)."""

    reason: Annotated[str, Meta(description="goes into the audit log", max_length=500)] = ""


class EmergencyStopAnswer(TypedDict):
    """How the printer was stopped."""

    ok: bool
    path: str
    dtr_reset: bool
    dropped_lines: int
    at: float

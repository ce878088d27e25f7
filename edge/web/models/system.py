"""Models of the system endpoints: health, status and the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypedDict

from edge.control.caller import CallerKind
from edge.core.component import Health
from edge.web.models.common import MAX_ID
from edge.web.models.jobs import QueueStatus
from edge.web.models.printer import PrinterStatus
from edge.web.schema import Meta


class HealthReport(TypedDict):
    """Every component's health: ok only when all are."""

    ok: bool
    components: dict[str, Health]


class Device(TypedDict):
    """Who this device is (id is null until the data directory gave it one)."""

    id: str | None
    name: str


class Status(TypedDict):
    """The appliance at a glance (also the WebSocket's snapshot)."""

    version: str
    uptime_s: float
    device: Device
    printer: PrinterStatus
    jobs: QueueStatus


@dataclass(frozen=True)
class AuditQuery:
    """Which audit entries to list, newest first."""

    limit: Annotated[int, Meta(description="at most this many entries", minimum=1, maximum=1000)] = 100
    before: Annotated[
        int, Meta(description="entries older than this id (0: from the newest)", minimum=0, maximum=MAX_ID)
    ] = 0
    caller: Annotated[CallerKind | None, Meta(description="only this kind of caller")] = None
    action: Annotated[str | None, Meta(description="only this action, e.g. start_job")] = None

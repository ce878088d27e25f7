"""Typed runtime data: the running components, handed to the web API and the CLI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from edge.config.schema import AppConfig
from edge.core.events import EventBus
from edge.jobs.manager import JobManager
from edge.printer.link import PrinterLink
from edge.printer.simulator import VirtualPrinter
from edge.store.db import Database
from edge.store.files import FileStore
from edge.store.jobs import JobRepository


@dataclass(kw_only=True)
class Services:
    """The appliance's components, built once by edge.app."""

    config: AppConfig
    bus: EventBus
    db: Database
    files: FileStore
    jobs: JobRepository
    link: PrinterLink
    manager: JobManager
    simulator: VirtualPrinter | None
    started_at: float
    health: Callable[[], dict[str, object]] = field(default=dict)

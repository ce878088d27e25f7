"""Typed runtime data: the running components, handed to the web API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from edge.config.ota_document import ConfigUpdater
from edge.config.schema import AppConfig
from edge.control.surface import PrinterControl
from edge.core.events import EventBus
from edge.health import HealthMonitor
from edge.jobs.manager import JobManager
from edge.printer.link import PrinterLink
from edge.sensors import GpioSensors
from edge.store.db import Database
from edge.store.files import FileStore
from edge.store.identity import DeviceIdentity
from edge.store.jobs import JobRepository
from edge.store.stages import StageRepository


@dataclass(kw_only=True)
class Services:
    """The appliance's components, built once by edge.app; commands go through `control`, never around it."""

    config: AppConfig
    bus: EventBus
    db: Database
    files: FileStore
    jobs: JobRepository
    stages: StageRepository
    link: PrinterLink
    manager: JobManager
    control: PrinterControl
    started_at: float
    identity: DeviceIdentity | None = None
    health: Callable[[], dict[str, object]] = field(default=dict)
    monitor: HealthMonitor | None = None
    config_updates: ConfigUpdater | None = None
    sensors: GpioSensors | None = None

    def require_sensors(self) -> GpioSensors:
        """The GPIO sensors, which the appliance always sets."""
        if self.sensors is None:
            raise RuntimeError("bug: the appliance has no GPIO sensors")
        return self.sensors

    def require_monitor(self) -> HealthMonitor:
        """The host monitor, which the appliance always sets."""
        if self.monitor is None:
            raise RuntimeError("bug: the appliance has no host monitor")
        return self.monitor

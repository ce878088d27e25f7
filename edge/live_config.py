"""Applies a new configuration to the running appliance, section by section, without restarting the process.

Called only while the OTA update lock holds (no print, no slice), so components can be stopped and rebuilt.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

from edge.agents.local import LocalAgents
from edge.config.schema import AppConfig
from edge.core.component import Component
from edge.discovery import Discovery
from edge.sensors import GpioSensors

if TYPE_CHECKING:
    from edge.app import Appliance

_MB = 1024 * 1024


class LiveConfig:
    """Reloads what can change in place and restarts, inside the process, the components that cannot."""

    def __init__(self, app: Appliance) -> None:
        self.app = app

    async def apply(self, config: AppConfig, changed: set[str]) -> list[str]:
        """Make config the running one; the names of the components restarted (to be health-checked)."""
        app = self.app
        old = app.config
        app.config = config
        app.services.config = config
        checked: list[str] = []
        if "log_level" in changed:
            logging.getLogger().setLevel(config.log_level)
        if "audit" in changed:
            app.audit.max_age_s = config.audit.max_age_days * 86400.0
            app.audit.max_entries = config.audit.max_entries
        if "device" in changed and app.identity is not None:
            app.identity = dataclasses.replace(app.identity, name=config.device.name)
            app.services.identity = app.identity
        if changed & {"printer", "simulator"}:
            checked += await self._printer(old, config, changed)
        self._queue(config, changed)
        if "api" in changed:
            if app.web.name in app.failed:  # it could not listen at start: start it again
                await app.replace(app.web, app.web)
            else:
                await app.web.rebind()
            checked.append(app.web.name)
        if "auth" in changed:
            app.web.auth.reconfigure(config.auth)
        if "gpio" in changed:
            sensors = GpioSensors(config.gpio, app.services.bus, app.services.control)
            await app.replace(app.sensors, sensors)
            app.sensors = app.services.sensors = sensors
            checked.append(sensors.name)
        if changed & {"gpio", "safety"} or old.printer.machine.heated_bed != config.printer.machine.heated_bed:
            checked.append(await self._restart_watchdog(config))
        if changed & {"discovery", "device", "api"}:
            discovery = Discovery(config.discovery, app.services, app.web)
            await app.replace(app.discovery, discovery)
            app.discovery = discovery
            checked.append(discovery.name)
        if changed & {"health", "agents", "device"}:
            monitor = app.build_monitor(config)
            await app.replace(app.monitor, monitor)
            app.monitor = app.services.monitor = monitor
            checked.append(monitor.name)
        if changed & {"mqtt", "fleet", "ota", "device"}:
            telemetry = app.build_telemetry(config)
            await app.replace(app.telemetry, telemetry)
            app.telemetry = telemetry
            checked.append(telemetry.name)
        return checked

    async def _printer(self, old: AppConfig, config: AppConfig, changed: set[str]) -> list[str]:
        """Reconnect the link; start, rebuild or stop the built-in virtual printer as the port and section say."""
        app, link = self.app, self.app.services.link
        checked: list[str] = []
        simulator = _find(app.components, "virtual_printer")
        virtual = config.printer.port == "virtual"
        if virtual and (simulator is None or "simulator" in changed):
            await link.stop()  # let go of the old pseudo-terminal before the printer behind it changes
            new = app.build_simulator(config)
            await app.replace(simulator, new)
            checked.append(new.name)
        port, reset = app.printer_port(config)
        if virtual or "printer" in changed:
            await link.reconfigure(config.printer, port, reset)
            checked.append(link.name)
        if not virtual and simulator is not None:
            await app.replace(simulator, None)
            app.simulator = None
        return checked

    def _queue(self, config: AppConfig, changed: set[str]) -> None:
        """The queue, the pipeline and the file store read their settings at use; give them the new ones."""
        svc = self.app.services
        manager, pipeline, files = self.app.manager, self.app.pipeline, svc.files
        manager.config = pipeline.config = config.jobs
        manager.limits = pipeline.limits = files.limits = config.printer.limits
        files.max_line_length = config.printer.max_line_length
        files.max_bytes = config.api.max_upload_mb * _MB
        files.free_margin_bytes = config.health.min_free_mb * _MB
        if changed & {"agents", "printer"}:
            pipeline.agents = LocalAgents(config.agents, config.printer.machine, config.printer.max_line_length)

    async def _restart_watchdog(self, config: AppConfig) -> str:
        app = self.app
        watchdog = app.build_watchdog(config)
        await app.replace(app.watchdog, watchdog)
        app.watchdog = watchdog
        return watchdog.name


def _find(components: list[Component], name: str) -> Component | None:
    return next((c for c in components if c.name == name), None)

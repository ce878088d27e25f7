"""Builds the components from config, starts them in order, stops them in reverse, tells systemd."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import socket
import time
from pathlib import Path

from edge.agents.local import LocalAgents
from edge.config.lkg import OverlayFiles, die_at
from edge.config.loader import ConfigLayers
from edge.config.schema import AppConfig
from edge.control.surface import PrinterControl
from edge.core.component import Component, Health
from edge.core.errors import PrintEdgeError
from edge.core.events import EventBus
from edge.discovery import Discovery
from edge.health import HealthMonitor
from edge.jobs.manager import JobManager
from edge.jobs.pipeline import Pipeline
from edge.live_config import LiveConfig
from edge.ota.service import ConfigUpdates, OtaHooks
from edge.ota.topics import ConfigTopics
from edge.printer.link import PrinterLink
from edge.printer.simulator import SimulatorSettings, VirtualPrinter
from edge.printer.transport import ResetHook
from edge.safety import ThermalWatchdog
from edge.sensors import GpioSensors
from edge.services import Services
from edge.store.audit import AuditLog
from edge.store.config_audit import ConfigAuditLog
from edge.store.db import Database
from edge.store.files import FileStore
from edge.store.identity import DeviceIdentity, load_identity
from edge.store.jobs import JobRepository
from edge.store.journal import JOURNAL_NAME, RecoveryJournal
from edge.store.lock import DataDirLock
from edge.store.stages import StageRepository
from edge.store.state import ApplianceState
from edge.telemetry.component import TelemetryComponent, TelemetrySources
from edge.telemetry.fleet_service import FleetService
from edge.web.server import WebServer

log = logging.getLogger("printedge.app")


def notify_systemd(message: str) -> None:
    """Send an sd_notify message when running under systemd (Type=notify); otherwise do nothing."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):
        address = "\0" + address[1:]
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.connect(address)
        sock.sendall(message.encode())


def describe_failure(exc: BaseException) -> str:
    """The text a health report shows for a failure: the message, with the type when it is not ours."""
    if isinstance(exc, PrintEdgeError):
        return exc.message
    text = str(exc)
    if isinstance(exc, OSError):
        return exc.strerror or text or type(exc).__name__  # without the "[Errno 98]" prefix
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class _VirtualPrinterComponent:
    """Runs the built-in simulator as the printer when printer.port is 'virtual'."""

    name = "virtual_printer"

    def __init__(self, printer: VirtualPrinter, link_path: Path) -> None:
        self.printer = printer
        self.link_path = link_path

    async def start(self) -> None:
        await self.printer.start(self.link_path)

    async def stop(self) -> None:
        await self.printer.stop()

    def status(self) -> dict[str, object]:
        return {"port": str(self.link_path)}

    def health(self) -> Health:
        return Health(True, f"virtual printer on {self.link_path}")


class Appliance:
    """The whole appliance process."""

    def __init__(self, config: AppConfig, layers: ConfigLayers | None = None) -> None:
        self.config = config
        data_dir = Path(config.device.data_dir).expanduser()
        self.data_dir = data_dir
        self.lock = DataDirLock(data_dir)
        bus = EventBus()
        db = Database(data_dir / "printedge.db")
        files = FileStore(
            db,
            data_dir / "files",
            config.printer.max_line_length,
            config.api.max_upload_mb * 1024 * 1024,
            limits=config.printer.limits,
            free_margin_bytes=config.health.min_free_mb * 1024 * 1024,
        )
        jobs = JobRepository(db)
        self.simulator: VirtualPrinter | None = None
        port, reset = self.printer_port(config)
        link = PrinterLink(config.printer, bus, port=port, reset=reset)
        journal = RecoveryJournal(data_dir / JOURNAL_NAME)
        manager = JobManager(link, bus, files, jobs, config.jobs, config.printer.limits, journal=journal)
        audit = AuditLog(db, config.audit.max_age_days * 86400.0, config.audit.max_entries)
        stages = StageRepository(db)
        agents = LocalAgents(config.agents, config.printer.machine, config.printer.max_line_length)
        pipeline = Pipeline(agents, manager, stages, bus, config.jobs, config.printer.limits, data_dir / "work")
        control = PrinterControl(link, manager, audit, bus, pipeline)
        self.manager = manager
        self.pipeline = pipeline
        self.audit = audit
        self.services = Services(
            config=config,
            bus=bus,
            db=db,
            files=files,
            jobs=jobs,
            stages=stages,
            link=link,
            manager=manager,
            control=control,
            started_at=time.time(),
        )
        self.services.health = self.health
        self.web = WebServer(self.services)
        self.components: list[Component] = []
        if config.printer.port == "virtual":
            self.components.append(self.build_simulator(config))
        self.ota = ConfigUpdates(
            OverlayFiles(data_dir),
            layers,
            OtaHooks(
                reconfigure=self.reconfigure,
                health=self.health,
                busy=self.busy,
                device_id=lambda: self.identity.id if self.identity is not None else None,
            ),
            ConfigAuditLog(db),
            lambda: self.config,
        )
        self.services.config_updates = self.ota
        self.components += [db, self.ota, link, manager, pipeline, control, self.web]
        # GPIO sensors and the thermal watchdog: commands through control (caller gpio / system), gates on the queue.
        self.sensors = GpioSensors(config.gpio, bus, control)
        self.services.sensors = self.sensors
        self.watchdog = self.build_watchdog(config)
        self.components += [self.sensors, self.watchdog]
        # After the web server: discovery advertises its bound port; the monitor reads everyone's health.
        self.discovery = Discovery(config.discovery, self.services, self.web)
        self.monitor = self.build_monitor(config)
        self.services.monitor = self.monitor
        self.components += [self.discovery, self.monitor]
        # MQTT telemetry, off when mqtt.url is empty; last, so a broker's trouble never holds up the rest.
        self.telemetry = self.build_telemetry(config)
        self.components.append(self.telemetry)
        self.identity: DeviceIdentity | None = None
        self.failed: dict[str, str] = {}
        self._started: list[Component] = []
        self._stop = asyncio.Event()

    def build_telemetry(self, config: AppConfig) -> TelemetryComponent:
        """The MQTT component with fleet commands and the OTA topics attached to its link."""
        svc = self.services
        telemetry = TelemetryComponent(
            config.mqtt,
            TelemetrySources(
                bus=svc.bus,
                device_id=lambda: self.identity.id if self.identity is not None else None,
                state=lambda: {
                    "printer": svc.link.status(),
                    "jobs": svc.manager.status(),
                    "sensors": svc.sensors.status() if svc.sensors is not None else {},
                },
                health=self.health,
                data_dir=self.data_dir,
            ),
            svc.db,
        )
        if telemetry.link is not None:
            self.fleet = FleetService(
                telemetry.link, svc.control, config, ApplianceState(svc.db), lambda: self.identity
            )
            ConfigTopics(
                telemetry.link,
                self.ota,
                config.mqtt.topic_prefix,
                lambda: self.identity.id if self.identity is not None else None,
            )
        else:
            self.ota.publish = None
        return telemetry

    def busy(self) -> str | None:
        """What holds the update lock: a print, a job being prepared (sliced), a printer operation, else None."""
        if self.manager.printing:
            return "a print is running"
        operation = self.services.control.operation()
        if operation is not None:
            return operation
        preparing = self.pipeline.status().get("preparing")
        if preparing:
            return f"job(s) {preparing} are being prepared (sliced)"
        return None

    async def reconfigure(self, config: AppConfig, changed: set[str]) -> list[str]:
        """Apply a new config in this process; the names of the components to health-check."""
        return await LiveConfig(self).apply(config, changed)

    # ---- what a new config rebuilds -----------------------------------------------------------

    def printer_port(self, config: AppConfig) -> tuple[str, ResetHook | None]:
        """The port the link opens and its reset hook (the virtual printer's reset button for the built-in one)."""
        if config.printer.port != "virtual":
            return config.printer.port, None
        return str(self.data_dir / "virtual-printer"), self._reset_virtual_printer

    async def _reset_virtual_printer(self) -> None:
        if self.simulator is not None:
            self.simulator.reset()

    def build_simulator(self, config: AppConfig) -> Component:
        """The built-in virtual printer with the simulator section (it becomes self.simulator)."""
        self.simulator = VirtualPrinter(SimulatorSettings.from_config(config.simulator))
        return _VirtualPrinterComponent(self.simulator, self.data_dir / "virtual-printer")

    def build_watchdog(self, config: AppConfig) -> ThermalWatchdog:
        """The thermal watchdog; it cuts the PSU relay of the current sensors when one is fitted."""
        psu = self.sensors.psu
        return ThermalWatchdog(
            config.safety,
            self.services.bus,
            self.services.control,
            heated_bed=config.printer.machine.heated_bed,
            power_cut=psu.cut if psu else None,
        )

    def build_monitor(self, config: AppConfig) -> HealthMonitor:
        """The host monitor; it reads every component's health."""
        svc = self.services
        return HealthMonitor(config, svc.bus, svc.link, svc.manager, lambda: self.components, self.health)

    async def replace(self, old: Component | None, new: Component | None) -> None:
        """Stop old (if it runs) and start new in its place; a failure to start is reported as at start-up."""
        if old is not None:
            if old in self._started:
                self._started.remove(old)
                await old.stop()
            self.failed.pop(old.name, None)
            if new is None:
                self.components.remove(old)
                return
            self.components[self.components.index(old)] = new
        elif new is not None:
            self.components.insert(0, new)  # only the virtual printer is ever added: it starts first
        if new is None:
            return
        self.failed.pop(new.name, None)
        await self._start_one(new, "restart")

    async def _start_one(self, component: Component, verb: str) -> None:
        try:
            await component.start()
        except (PrintEdgeError, OSError) as exc:
            self.failed[component.name] = describe_failure(exc)
            log.error("component %s failed to %s: %s", component.name, verb, self.failed[component.name])
        except Exception as exc:  # a bug, with its traceback: one broken component must never stop the others
            self.failed[component.name] = describe_failure(exc)
            log.exception("component %s failed to %s: %s", component.name, verb, self.failed[component.name])
        else:
            self._started.append(component)

    async def start(self) -> None:
        """Start every component in order; one that fails is reported and the rest keep going."""
        await asyncio.to_thread(self.data_dir.mkdir, parents=True, exist_ok=True)
        try:
            self.identity = await load_identity(self.data_dir, self.config.device.name)
            self.services.identity = self.identity
        except PrintEdgeError as exc:
            # Printing does not need the id; MQTT and OTA do, and must never see a silently new one.
            self.failed["identity"] = exc.message
            log.error("device identity: %s", exc.message)
        die_at("starting")
        for component in self.components:
            await self._start_one(component, "start")
        try:
            await self.ota.started(dict(self.failed))
        except Exception:  # the config stays as it is; the start itself must go on
            log.exception("checking the started config failed")
        if "store" not in self.failed:
            try:
                await self.services.files.reconcile()
            except Exception as exc:
                self.failed["files"] = describe_failure(exc)
                log.exception("file store reconciliation failed: %s", self.failed["files"])
        # What exists now lives for the whole process: keep it out of the garbage collector's scans,
        # so a full collection while streaming takes less time from the event loop.
        gc.freeze()
        notify_systemd("READY=1")

    async def stop(self) -> None:
        """End a running job safely while everything still runs, then stop the components in reverse order."""
        notify_systemd("STOPPING=1")
        if self.manager in self._started:
            try:
                await self.manager.prepare_stop()
            except Exception:
                log.exception("stopping the running job failed")
        started, self._started = self._started, []
        for component in reversed(started):
            try:
                await component.stop()
            except (PrintEdgeError, OSError) as exc:
                log.error("component %s failed to stop cleanly: %s", component.name, describe_failure(exc))
            except Exception as exc:
                log.exception("component %s failed to stop cleanly: %s", component.name, describe_failure(exc))

    def health(self) -> dict[str, object]:
        """Health of every component, and of any start-up step that failed."""
        report: dict[str, object] = {}
        for component in self.components:
            if component.name in self.failed:
                report[component.name] = Health(False, f"failed to start: {self.failed[component.name]}").to_dict()
            else:
                report[component.name] = component.health().to_dict()
        for name, problem in self.failed.items():
            report.setdefault(name, Health(False, problem).to_dict())
        return report

    def request_stop(self) -> None:
        """Ask run() to stop (signal handlers call this)."""
        self._stop.set()

    async def run(self) -> None:
        """Lock the data directory, start, serve until SIGTERM/SIGINT, stop gracefully, then unlock."""
        # Before anything else, so a second instance never touches the database, the files or the printer.
        # In a thread: open, flock and write are file I/O, and a busy SD card must not stall the loop.
        await asyncio.to_thread(self.lock.acquire)
        try:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.request_stop)
            watchdog: asyncio.Task[None] | None = None
            try:
                await self.start()
                watchdog = asyncio.create_task(self._watchdog(), name="app.watchdog")
                await self._stop.wait()
            finally:
                if watchdog is not None:
                    watchdog.cancel()
                await self.stop()
        finally:
            # Only once every component has let go: an instance started while this one stops is refused.
            await asyncio.to_thread(self.lock.release)

    async def _watchdog(self) -> None:
        usec = int(os.environ.get("WATCHDOG_USEC", "0") or 0)
        if not usec:
            return
        while True:
            notify_systemd("WATCHDOG=1")
            await asyncio.sleep(usec / 2_000_000)

"""The host component: samples the host now and then, checks disk, slicer and power, warns on the bus."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

from edge.config.schema import AppConfig
from edge.core.component import Component, Health
from edge.core.events import EventBus, HostWarning
from edge.core.tasks import TaskSupervisor
from edge.health.host import HostSample, HostSources, sample_host
from edge.health.pi import FLAGS
from edge.jobs.manager import JobManager
from edge.printer.link import PrinterLink

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

log = logging.getLogger("printedge.health")

_MB = 1024 * 1024
# Names under which the MQTT telemetry component may be registered.
MQTT_NAMES = ("mqtt", "telemetry")
_WARNINGS = {
    "under_voltage": "under-voltage: the power supply is too weak (use the official supply and a short cable)",
    "arm_frequency_capped": "the CPU frequency is capped (under-voltage or heat)",
    "throttled": "the CPU is throttled (under-voltage or heat)",
    "soft_temperature_limit": "the SoC reached its soft temperature limit; give it air or a heatsink",
}


class HealthMonitor:
    """Samples the host every health.interval_s in a worker thread; everything else reads the last sample."""

    name = "host"

    def __init__(
        self,
        config: AppConfig,
        bus: EventBus,
        link: PrinterLink,
        manager: JobManager,
        components: Callable[[], Sequence[Component]],
        report: Callable[[], dict[str, object]],
    ) -> None:
        self.config = config.health
        self.min_free_bytes = config.health.min_free_mb * _MB
        self.sources = HostSources(
            data_dir=Path(config.device.data_dir).expanduser(),
            soc_temperature_path=Path(config.health.soc_temperature_path),
            throttled_command=config.health.throttled_command,
            slicer=config.agents.slicer_path,
        )
        self.bus = bus
        self.components = components
        self.report = report
        self.sample: HostSample | None = None
        self._metric_sources = (link, manager)
        self._registry: CollectorRegistry | None = None  # made at the first scrape: prometheus_client loads then
        self._process: psutil.Process | None = None
        self._tasks = TaskSupervisor("host")

    async def start(self) -> None:
        """Take the first sample now (health is known at once), then keep sampling."""
        self._process = await asyncio.to_thread(psutil.Process)  # reads /proc/self/stat
        await self._sample()
        self._tasks.spawn("host.sample", self._sample_forever, restart=True)

    async def stop(self) -> None:
        """Stop sampling; safe to call twice."""
        await self._tasks.cancel_all()

    def status(self) -> dict[str, object]:
        """JSON-ready snapshot: the last sample and the checks."""
        return {
            "system": None if self.sample is None else self.sample.to_dict(),
            "checks": {name: check.to_dict() for name, check in self.checks().items()},
        }

    def health(self) -> Health:
        """Healthy with enough free disk and no under-voltage now; says what is wrong otherwise."""
        checks = self.checks()
        problems = [check.detail for name, check in checks.items() if name != "slicer" and not check.ok]
        if problems:
            return Health(False, "; ".join(problems))
        return Health(True, checks["disk"].detail)

    # ---- reading -------------------------------------------------------------------------------

    def checks(self) -> dict[str, Health]:
        """The host's own checks: disk, slicer, and power where the host reports it (a Raspberry Pi)."""
        sample = self.sample
        if sample is None:
            return {"disk": Health(False, "not sampled yet"), "slicer": Health(False, "not looked for yet")}
        checks = {"disk": self._disk(sample), "slicer": self._slicer(sample)}
        if sample.throttling is not None:
            checks["power"] = self._power(sample)
        return checks

    def component(self, name: str) -> Component | None:
        """The running component of that name, or None."""
        return next((component for component in self.components() if component.name == name), None)

    def mqtt(self) -> Component | None:
        """The MQTT telemetry component, when the appliance has one."""
        return next((c for c in map(self.component, MQTT_NAMES) if c is not None), None)

    def metrics(self) -> bytes:
        """The Prometheus text exposition of the current values."""
        from prometheus_client import CollectorRegistry, generate_latest

        from edge.health.metrics import ApplianceCollector

        if self._registry is None:
            self._registry = CollectorRegistry(auto_describe=False)
            self._registry.register(ApplianceCollector(self, *self._metric_sources))
        return generate_latest(self._registry)

    # ---- sampling ------------------------------------------------------------------------------

    async def _sample_forever(self) -> None:
        while True:
            await asyncio.sleep(self.config.interval_s)
            await self._sample()

    async def _sample(self) -> None:
        process = self._process or psutil.Process()
        sample = await asyncio.to_thread(sample_host, self.sources, process)
        previous, self.sample = self.sample, sample
        self._warn(previous, sample)

    def _warn(self, previous: HostSample | None, sample: HostSample) -> None:
        """A HostWarning on the bus for every condition that was not there at the last sample."""
        before = previous.throttling.now if previous and previous.throttling else frozenset()
        if sample.throttling is not None:
            for flag in [flag for flag in FLAGS if flag in sample.throttling.now - before]:
                log.warning("host: %s", _WARNINGS[flag])
                self.bus.publish(HostWarning(condition=flag, message=_WARNINGS[flag]))
        was_low = previous is not None and previous.disk_free_bytes < self.min_free_bytes
        if sample.disk_free_bytes < self.min_free_bytes and not was_low:
            message = self._disk(sample).detail
            log.warning("host: %s", message)
            self.bus.publish(HostWarning(condition="disk_low", message=message))

    def _disk(self, sample: HostSample) -> Health:
        free = sample.disk_free_bytes / _MB
        if sample.disk_free_bytes < self.min_free_bytes:
            return Health(
                False,
                f"only {free:.0f} MB free on {sample.disk_path} (health.min_free_mb is {self.config.min_free_mb}): "
                "uploads and slicing are refused; delete old files",
            )
        return Health(True, f"{free:.0f} MB free of {sample.disk_total_bytes / _MB:.0f} MB on {sample.disk_path}")

    def _slicer(self, sample: HostSample) -> Health:
        if sample.slicer is None:
            return Health(
                False,
                f"PrusaSlicer not found as {self.sources.slicer!r} (agents.slicer_path): text and models cannot be sliced",
            )
        return Health(True, f"PrusaSlicer at {sample.slicer}")

    def _power(self, sample: HostSample) -> Health:
        throttling = sample.throttling
        if throttling is None:
            return Health(True, "not reported by this host")
        if "under_voltage" in throttling.now:
            return Health(False, _WARNINGS["under_voltage"])
        if throttling.now:
            return Health(True, "now: " + ", ".join(sorted(throttling.now)).replace("_", " "))
        if throttling.since_boot:
            return Health(True, "since boot: " + ", ".join(sorted(throttling.since_boot)).replace("_", " "))
        return Health(True, "no under-voltage or throttling since boot")

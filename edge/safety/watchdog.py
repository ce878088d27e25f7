"""ThermalWatchdog: reads every temperature report and stops the printer when a heater breaks a rule."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from edge.config.gpio import SafetyConfig
from edge.control.caller import Caller, CallerKind
from edge.control.surface import PrinterControl
from edge.core.component import Health
from edge.core.events import EventBus, LinkStateChanged, SafetyTrip, TemperatureReport
from edge.core.tasks import TaskSupervisor
from edge.printer.link import LinkState
from edge.safety.rules import HeaterWatch, Trip

log = logging.getLogger("printedge.safety")

WATCHDOG = Caller(CallerKind.SYSTEM, "thermal_watchdog")


class ThermalWatchdog:
    """A second line behind the firmware: emergency stop (and power off) on a heater fault, with the reason."""

    name = "thermal_watchdog"

    def __init__(
        self,
        config: SafetyConfig,
        bus: EventBus,
        control: PrinterControl,
        *,
        heated_bed: bool = True,
        power_cut: Callable[[str], None] | None = None,
    ) -> None:
        self.config = config
        self._bus = bus
        self.control = control
        self.heated_bed = heated_bed
        self.power_cut = power_cut
        self.tripped: Trip | None = None
        self.trips = 0
        self._watches = self._fresh()
        self._tasks = TaskSupervisor("safety")

    async def start(self) -> None:
        """Follow temperature reports and link states (nothing when safety.enabled is false)."""
        if self.config.enabled:
            self._tasks.spawn("watch", self._watch, restart=True)

    async def stop(self) -> None:
        """Stop watching."""
        await self._tasks.cancel_all()

    def status(self) -> dict[str, object]:
        """JSON-ready snapshot."""
        return {
            "enabled": self.config.enabled,
            "tripped": self.tripped.to_dict() if self.tripped else None,
            "trips": self.trips,
        }

    def health(self) -> Health:
        """Unhealthy while tripped (until the printer is reset) or when not watching."""
        if not self.config.enabled:
            return Health(True, "disabled (safety.enabled is false)")
        if not self._tasks.running("watch"):
            return Health(False, "not watching the temperatures")
        if self.tripped is not None:
            return Health(False, f"tripped: {self.tripped.detail}")
        return Health(True, "watching the heaters")

    def feed(self, report: TemperatureReport, now: float) -> Trip | None:
        """Check one report against every heater's rules (the first trip wins; after it, nothing until reset)."""
        if self.tripped is not None:
            return None
        readings = [("hotend", report.hotend, report.hotend_target)]
        if self.heated_bed:
            readings.append(("bed", report.bed, report.bed_target))
        for heater, temp, target in readings:
            trip = self._watches[heater].feed(temp, target, now)
            if trip is not None:
                self.tripped = trip
                return trip
        return None

    async def _watch(self) -> None:
        sub = self._bus.subscribe(TemperatureReport, LinkStateChanged)
        try:
            async for event in sub:
                if isinstance(event, LinkStateChanged):
                    if event.state == LinkState.READY.value:
                        self.tripped = None
                        self._watches = self._fresh()
                elif isinstance(event, TemperatureReport):
                    trip = self.feed(event, time.monotonic())
                    if trip is not None:
                        await self._stop_printer(trip)
        finally:
            sub.close()

    async def _stop_printer(self, trip: Trip) -> None:
        self.trips += 1
        log.error("thermal watchdog tripped (%s): %s", trip.rule, trip.detail)
        await self.control.emergency_stop(WATCHDOG, f"thermal watchdog: {trip.detail}")
        if self.power_cut is not None and self.config.psu_off:
            self.power_cut(f"thermal watchdog: {trip.rule}")
        self._bus.publish(
            SafetyTrip(
                heater=trip.heater, rule=trip.rule, temperature=trip.temperature, target=trip.target, detail=trip.detail
            )
        )

    def _fresh(self) -> dict[str, HeaterWatch]:
        return {heater: HeaterWatch(heater, self.config) for heater in ("hotend", "bed")}

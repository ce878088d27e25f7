"""GpioSensors: the component that owns every pin, turns edges into commands (caller gpio) and gates jobs."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING

from edge.config.gpio import NOT_FITTED, GpioConfig
from edge.control.caller import Caller, CallerKind
from edge.control.surface import PrinterControl
from edge.core.component import Health
from edge.core.errors import CommandRejectedError, NotFoundError, PrintEdgeError
from edge.core.events import EventBus, SensorEvent
from edge.core.tasks import TaskSupervisor
from edge.printer.outcome import RunPhase
from edge.sensors.enclosure import read_ds18b20
from edge.sensors.factory import make_factory, uses_mock
from edge.sensors.inputs import SwitchInput
from edge.sensors.led import StatusLed, pattern_for
from edge.sensors.psu import PsuRelay

if TYPE_CHECKING:
    from gpiozero.pins import Factory

log = logging.getLogger("printedge.sensors")

TICK_S = 0.25
HEATING_WINDOW_C = 5.0


class GpioSensors:
    """Runout, door and emergency-stop inputs, the PSU relay, the status LED and the enclosure thermometer."""

    name = "sensors"

    def __init__(self, config: GpioConfig, bus: EventBus, control: PrinterControl) -> None:
        self.config = config
        self._bus = bus
        self.control = control
        self.manager = control.manager
        self.link = control.link
        self.inputs: dict[str, SwitchInput] = {
            name: SwitchInput(name, getattr(config, name))
            for name in ("runout", "door", "button")
            if getattr(config, name).pin != NOT_FITTED
        }
        self.psu = PsuRelay(config.psu, self.link, self.manager, self._power_changed) if config.psu.pin >= 0 else None
        fitted_led = config.led.pin != NOT_FITTED or config.led.red != NOT_FITTED
        self.led = StatusLed(config.led) if fitted_led else None
        self.mock = False
        self.factory_name = ""
        self.enclosure_c: float | None = None
        self.enclosure_problem = ""
        self._factory: Factory | None = None
        self._opened = False
        self._tasks = TaskSupervisor("sensors")
        self._pending: set[asyncio.Task[None]] = set()

    # ---- component contract -------------------------------------------------------------

    async def start(self) -> None:
        """Pick the pin factory, claim the pins (off the loop), register the gates, start the LED and PSU timers."""
        loop = asyncio.get_running_loop()
        if self.device_names():
            factory, self.mock = await asyncio.to_thread(make_factory, self.config.pin_factory)
            self._factory = factory
            self.factory_name = "mock" if self.mock else type(factory).__name__
            await asyncio.to_thread(self._open_all, factory, loop)
        else:
            # Nothing wired: gpiozero (and its memory) is not loaded at all.
            self.mock = await asyncio.to_thread(uses_mock, self.config.pin_factory)
            self.factory_name = "none"
        self._opened = True
        self.manager.add_gate(self.refusal)
        if self.psu is not None:
            self.manager.add_before_start(self.psu.power_on)
            self.control.power = self.psu
        self._tasks.spawn("tick", self._tick, restart=True)
        if self.config.enclosure.path:
            self._tasks.spawn("enclosure", self._read_enclosure, restart=True)
        log.info("GPIO on %s: %s", self.factory_name, ", ".join(self.device_names()) or "no devices configured")

    async def stop(self) -> None:
        """Stop the timers, withdraw the gates and release every pin."""
        await self._tasks.cancel_all()
        self.manager.remove_interlocks(self.refusal, self.psu.power_on if self.psu is not None else None)
        if self.psu is not None and self.control.power is self.psu:
            self.control.power = None
        for task in list(self._pending):
            task.cancel()
        if self._opened:
            self._opened = False
            await asyncio.to_thread(self._close_all)
        if self._factory is not None:
            await asyncio.to_thread(self._factory.close)
            self._factory = None

    def status(self) -> dict[str, object]:
        """JSON-ready snapshot: the factory, every device and the enclosure temperature."""
        enclosure = None
        if self.config.enclosure.path:
            enclosure = {"temperature_c": self.enclosure_c, "problem": self.enclosure_problem or None}
        return {
            "pin_factory": self.factory_name or self.config.pin_factory,
            "simulation": self.mock,
            "devices": [self.device_status(name) for name in self.device_names()],
            "enclosure": enclosure,
        }

    def health(self) -> Health:
        """Healthy once the pins are claimed and the timers run (and the enclosure reads, when fitted)."""
        if not self._opened:
            return Health(False, "pins not claimed")
        if not self._tasks.running("tick"):
            return Health(False, "the LED and PSU timer is not running")
        if self.enclosure_problem:
            return Health(False, f"enclosure thermometer: {self.enclosure_problem}")
        names = self.device_names()
        return Health(True, f"{len(names)} device(s) on {self.factory_name}" if names else "no devices configured")

    # ---- devices ----------------------------------------------------------------------------

    def device_names(self) -> list[str]:
        """The configured devices, inputs first."""
        names = list(self.inputs)
        if self.psu is not None:
            names.append("psu")
        if self.led is not None:
            names.append("led")
        return names

    def device_status(self, name: str) -> dict[str, object]:
        """One device's snapshot; NotFoundError for a name that is not configured."""
        if name in self.inputs:
            return self.inputs[name].status()
        if name == "psu" and self.psu is not None:
            return self.psu.status()
        if name == "led" and self.led is not None:
            return self.led.status()
        raise NotFoundError("GPIO device", name)

    async def simulate(self, name: str, active: bool) -> dict[str, object]:
        """Drive an input's mock pin (refused unless the mock factory is in use)."""
        if not self.mock:
            raise CommandRejectedError(
                f"cannot simulate {name!r}: GPIO runs on {self.factory_name or 'no factory'}, not the mock pin "
                "factory (set gpio.pin_factory: mock to try the sensors without hardware)"
            )
        switch = self.inputs.get(name)
        if switch is None:
            if name in self.device_names():
                raise CommandRejectedError(f"{name!r} is an output: only inputs ({', '.join(self.inputs)}) are driven")
            raise NotFoundError("GPIO input", name)
        switch.simulate(active)
        await asyncio.sleep(0)  # the edge reaches the loop through call_soon_threadsafe: let it land
        return switch.status()

    # ---- gates ------------------------------------------------------------------------------

    def refusal(self, action: str) -> str | None:
        """Why a sensor refuses `action` (start, resume, reset) now, or None."""
        button = self.inputs.get("button")
        if button is not None and button.active:
            return "the emergency-stop button is held down (gpio.button): release it first"
        if action == "reset":
            return None
        runout = self.inputs.get("runout")
        if runout is not None and runout.active:
            return "the filament has run out (gpio.runout): load filament first"
        door = self.inputs.get("door")
        if door is not None and door.active:
            return "the enclosure door is open (gpio.door): close it first"
        return None

    # ---- edges (on the event loop) -------------------------------------------------------------

    def _on_change(self, switch: SwitchInput) -> None:
        name, active = switch.name, switch.active
        if name == "button":
            if active:
                self._spawn(self._emergency_stop())
                return
            self.manager.wake()
            self._publish(name, switch, "the printer stays halted until it is reset")
            return
        runner = self.manager.runner
        pause = active and runner is not None and runner.phase is RunPhase.PRINTING
        if name == "door":
            pause = pause and self.config.door.pause_on_open
        if pause and runner is not None:
            self._spawn(self._pause(switch, runner.job_id))
            return
        if active:
            action = "starts refused" if runner is None else "resume refused until cleared"
        else:
            action = "cleared: a paused job resumes once its owner confirms" if runner else "cleared"
            self.manager.wake()
        self._publish(name, switch, action)

    async def _emergency_stop(self) -> None:
        caller = Caller(CallerKind.GPIO, "button")
        await self.control.emergency_stop(caller, "emergency-stop button pressed")
        action = "emergency stop"
        if self.psu is not None and self.config.button.psu_off:
            self.psu.cut("emergency-stop button")
            action += " and power off"
        self._publish("button", self.inputs["button"], action)

    async def _pause(self, switch: SwitchInput, job_id: int) -> None:
        try:
            await self.control.pause(Caller(CallerKind.GPIO, switch.name), job_id)
        except PrintEdgeError as exc:
            self._publish(switch.name, switch, "pause failed", exc.message)
            return
        self._publish(switch.name, switch, f"paused job {job_id}")

    def _publish(self, name: str, switch: SwitchInput, action: str, detail: str = "") -> None:
        log.warning("%s: %s (%s)", name, switch.state, action)
        self._bus.publish(
            SensorEvent(device=name, state=switch.state, active=switch.active, action=action, detail=detail)
        )

    def _power_changed(self, on: bool, why: str) -> None:
        self._bus.publish(SensorEvent(device="psu", state="on" if on else "off", active=on, action=why))

    def _spawn(self, coro: Coroutine[object, object, None]) -> None:
        task = asyncio.create_task(coro, name="sensors.reaction")
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    # ---- timers -------------------------------------------------------------------------------

    async def _tick(self) -> None:
        while True:
            if self.psu is not None:
                self.psu.tick(time.monotonic())
            if self.led is not None:
                pattern = self._pattern()
                if pattern != self.led.pattern:
                    await asyncio.to_thread(self.led.show, pattern)
            await asyncio.sleep(TICK_S)

    def _pattern(self) -> str:
        temps = self.link.temperatures
        heating = any(
            target is not None and target > 0 and actual is not None and actual < target - HEATING_WINDOW_C
            for actual, target in ((temps.hotend, temps.hotend_target), (temps.bed, temps.bed_target))
        )
        runner = self.manager.runner
        alert = any(switch.active for switch in self.inputs.values())
        return pattern_for(
            link_state=self.link.state.value,
            phase=runner.phase.value if runner is not None else None,
            heating=heating,
            alert=alert,
        )

    async def _read_enclosure(self) -> None:
        path = Path(self.config.enclosure.path)
        while True:
            try:
                self.enclosure_c = await asyncio.to_thread(read_ds18b20, path)
                self.enclosure_problem = ""
            except (OSError, ValueError) as exc:
                self.enclosure_c = None
                self.enclosure_problem = f"{path}: {exc}"
            await asyncio.sleep(self.config.enclosure.interval_s)

    def _open_all(self, factory: Factory, loop: asyncio.AbstractEventLoop) -> None:
        for switch in self.inputs.values():
            switch.open(factory, loop, self._on_change)
        if self.psu is not None:
            self.psu.open(factory)
        if self.led is not None:
            self.led.open(factory)

    def _close_all(self) -> None:
        for switch in self.inputs.values():
            switch.close()
        if self.psu is not None:
            self.psu.close()
        if self.led is not None:
            self.led.close()

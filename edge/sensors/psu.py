"""The relay that powers the printer: on before a job, off once idle and cool, never while hot or printing."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from edge.config.gpio import PsuConfig
from edge.core.errors import PowerError
from edge.jobs.manager import JobManager
from edge.printer.link import LinkState, PrinterLink

if TYPE_CHECKING:
    from gpiozero import DigitalOutputDevice
    from gpiozero.pins import Factory

log = logging.getLogger("printedge.sensors")

READY_POLL_S = 0.05


class PsuRelay:
    """Switches the printer's power; the control surface reaches it through edge.control.power.PowerSwitch."""

    def __init__(
        self, config: PsuConfig, link: PrinterLink, manager: JobManager, on_change: Callable[[bool, str], None]
    ) -> None:
        self.config = config
        self.link = link
        self.manager = manager
        self._on_change = on_change
        self._device: DigitalOutputDevice | None = None
        self._idle_since: float | None = None

    def open(self, factory: Factory) -> None:
        """Claim the pin with the printer powered (blocking on real hardware)."""
        from gpiozero import DigitalOutputDevice

        cfg = self.config
        self._device = DigitalOutputDevice(
            cfg.pin, active_high=cfg.active_state == "high", initial_value=True, pin_factory=factory
        )

    def close(self) -> None:
        """Release the pin (the relay keeps its level only as far as the board's pulls decide)."""
        if self._device is not None:
            self._device.close()
            self._device = None

    @property
    def powered(self) -> bool:
        """Whether the relay powers the printer now."""
        return self._device is not None and bool(self._device.value)

    async def power_on(self) -> None:
        """Power the printer and wait until the link is ready (at most gpio.psu.ready_timeout_s)."""
        if not self.powered:
            self._switch(True, "powered on")
        if self.link.state is LinkState.HALTED:
            return  # halted by an emergency stop: a person resets it (a reset waits for the link itself)
        deadline = time.monotonic() + self.config.ready_timeout_s
        while self.link.state is not LinkState.READY:
            if time.monotonic() >= deadline:
                raise PowerError(
                    f"the printer did not come up within {self.config.ready_timeout_s:g} s of power on "
                    f"(link {self.link.state.value}: {self.link.detail}); check its USB cable and power supply"
                )
            await asyncio.sleep(READY_POLL_S)

    async def power_off(self, *, force: bool = False) -> None:
        """Cut power; unless forced (an emergency), refused while printing or while the hotend is hot."""
        if not force:
            problem = self.refusal()
            if problem:
                raise PowerError(f"refused to switch the printer off: {problem}")
        if self.powered:
            self._switch(False, "emergency power cut" if force else "powered off")

    def cut(self, reason: str) -> None:
        """Emergency: power off now, whatever the state."""
        if self.powered:
            self._switch(False, reason)

    def refusal(self) -> str | None:
        """Why the printer must stay powered now (printing, hot), or None."""
        if self.manager.printing:
            return "a job is printing or paused"
        hotend = self.link.temperatures.hotend
        if hotend is not None and hotend >= self.config.cool_below_c:
            return (
                f"the hotend is at {hotend:.0f}°C, not below gpio.psu.cool_below_c ({self.config.cool_below_c:g}°C): "
                "its fan must run until it cools"
            )
        return None

    def tick(self, now: float) -> None:
        """Switch off once idle and cool for gpio.psu.idle_off_s (0: never)."""
        if self.config.idle_off_s <= 0 or not self.powered or self.refusal() is not None:
            self._idle_since = None
            return
        if self._idle_since is None:
            self._idle_since = now
        elif now - self._idle_since >= self.config.idle_off_s:
            self._idle_since = None
            self._switch(False, f"idle and cool for {self.config.idle_off_s:g} s")

    def status(self) -> dict[str, object]:
        """JSON-ready snapshot."""
        return {
            "name": "psu",
            "kind": "output",
            "pins": {"pin": self.config.pin},
            "active_state": self.config.active_state,
            "active": self.powered,
            "state": "on" if self.powered else "off",
        }

    def _switch(self, on: bool, why: str) -> None:
        device = self._device
        if device is None:
            raise PowerError("the PSU relay is not available (its pin could not be claimed)")
        if on:
            device.on()
        else:
            device.off()
        log.warning("printer power %s: %s", "on" if on else "off", why)
        self._on_change(on, why)

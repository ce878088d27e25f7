"""A switch on one pin (runout, door, button): its level, debounced, marshalled onto the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from edge.config.gpio import InputConfig

if TYPE_CHECKING:
    from gpiozero import DigitalInputDevice
    from gpiozero.pins import Factory

# The words a status uses for a switch's two states, by device.
STATE_WORDS = {
    "runout": ("filament", "runout"),
    "door": ("closed", "open"),
    "button": ("released", "pressed"),
}


class SwitchInput:
    """One input: `active` means the condition (no filament, door open, button pressed)."""

    def __init__(self, name: str, config: InputConfig) -> None:
        self.name = name
        self.config = config
        self.active = False
        self.changes = 0
        self._device: DigitalInputDevice | None = None

    def open(self, factory: Factory, loop: asyncio.AbstractEventLoop, on_change: Callable[[SwitchInput], None]) -> None:
        """Claim the pin (blocking on real hardware); edges arrive on gpiozero's thread and are sent to the loop."""
        cfg = self.config
        pull = {"up": True, "down": False, "none": None}[cfg.pull]
        active_state = None if cfg.active_state == "auto" else cfg.active_state == "high"
        from gpiozero import DigitalInputDevice

        device = DigitalInputDevice(
            cfg.pin,
            pull_up=pull,
            active_state=active_state,
            bounce_time=cfg.debounce_ms / 1000.0 if cfg.debounce_ms > 0 else None,
            pin_factory=factory,
        )
        self._device = device
        self.active = self._condition(bool(device.is_active))

        def edge(level: bool) -> None:
            loop.call_soon_threadsafe(self._changed, self._condition(level), on_change)

        device.when_activated = lambda: edge(True)
        device.when_deactivated = lambda: edge(False)

    def close(self) -> None:
        """Release the pin."""
        if self._device is not None:
            self._device.close()
            self._device = None

    @property
    def state(self) -> str:
        """The state in words (filament/runout, closed/open, released/pressed)."""
        return STATE_WORDS[self.name][self.active]

    def status(self) -> dict[str, object]:
        """JSON-ready snapshot."""
        cfg = self.config
        return {
            "name": self.name,
            "kind": "input",
            "pins": {"pin": cfg.pin},
            "pull": cfg.pull,
            "active_state": cfg.active_state,
            "normally_closed": cfg.normally_closed,
            "active": self.active,
            "state": self.state,
            "changes": self.changes,
        }

    def simulate(self, active: bool) -> None:
        """Drive the mock pin so the condition reads `active` (the mock factory only)."""
        from gpiozero.pins.mock import MockPin

        device = self._device
        if device is None or not isinstance(device.pin, MockPin):
            raise RuntimeError("bug: simulate() needs an open input on the mock factory")
        level_active = active != self.config.normally_closed
        high = level_active == self.active_high
        if high:
            device.pin.drive_high()
        else:
            device.pin.drive_low()

    @property
    def active_high(self) -> bool:
        """Whether a high level means the switch is active (gpiozero's rule for pulls)."""
        cfg = self.config
        if cfg.pull == "up":
            return False
        if cfg.pull == "down":
            return True
        return cfg.active_state == "high"

    def _condition(self, level_active: bool) -> bool:
        return level_active != self.config.normally_closed

    def _changed(self, active: bool, on_change: Callable[[SwitchInput], None]) -> None:
        if active == self.active:
            return
        self.active = active
        self.changes += 1
        on_change(self)

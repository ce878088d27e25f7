"""The status LED: one pattern for each of idle, heating, printing, paused, error and halted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from edge.config.gpio import NOT_FITTED, LedConfig

if TYPE_CHECKING:
    from gpiozero import LED, RGBLED
    from gpiozero.pins import Factory

Color = tuple[float, float, float]


@dataclass(frozen=True)
class Pattern:
    """On and off times (off 0: steady) and the colour on an RGB LED."""

    on_s: float
    off_s: float
    color: Color


PATTERNS = {
    "idle": Pattern(0.1, 2.9, (0, 0, 1)),  # a heartbeat; blue
    "heating": Pattern(0.5, 0.5, (1, 1, 0)),  # slow blink; yellow
    "printing": Pattern(1.0, 0.0, (0, 1, 0)),  # steady; green
    "paused": Pattern(1.5, 0.5, (0, 1, 1)),  # long blink; cyan
    "error": Pattern(0.2, 0.2, (1, 0, 0)),  # fast blink; red
    "halted": Pattern(1.0, 0.0, (1, 0, 0)),  # steady red (one LED: very fast blink)
}
SINGLE_HALTED = Pattern(0.05, 0.05, (1, 0, 0))


class StatusLed:
    """A single LED (`pin`) or an RGB LED (`red`, `green`, `blue`) showing the appliance's state."""

    def __init__(self, config: LedConfig) -> None:
        self.config = config
        self.pattern = ""
        self._led: LED | RGBLED | None = None

    @property
    def rgb(self) -> bool:
        """Whether this is an RGB LED."""
        return self.config.red != NOT_FITTED

    def open(self, factory: Factory) -> None:
        """Claim the pins (blocking on real hardware)."""
        from gpiozero import LED, RGBLED

        cfg = self.config
        high = cfg.active_state == "high"
        if self.rgb:
            self._led = RGBLED(cfg.red, cfg.green, cfg.blue, active_high=high, pwm=False, pin_factory=factory)
        else:
            self._led = LED(cfg.pin, active_high=high, pin_factory=factory)

    def close(self) -> None:
        """Release the pins."""
        if self._led is not None:
            self._led.close()
            self._led = None

    def show(self, name: str) -> None:
        """Switch to a pattern (blocking: gpiozero joins its blink thread); nothing when it is already showing."""
        led = self._led
        if led is None or name == self.pattern:
            return
        self.pattern = name
        pattern = PATTERNS[name]
        from gpiozero import RGBLED

        if isinstance(led, RGBLED):
            if pattern.off_s <= 0:
                led.color = pattern.color
            else:
                led.blink(on_time=pattern.on_s, off_time=pattern.off_s, on_color=pattern.color, background=True)
            return
        if name == "halted":
            pattern = SINGLE_HALTED
        if pattern.off_s <= 0:
            led.on()
        else:
            led.blink(on_time=pattern.on_s, off_time=pattern.off_s, background=True)

    def status(self) -> dict[str, object]:
        """JSON-ready snapshot."""
        cfg = self.config
        pins = {"red": cfg.red, "green": cfg.green, "blue": cfg.blue} if self.rgb else {"pin": cfg.pin}
        return {"name": "led", "kind": "output", "pins": pins, "active": bool(self.pattern), "state": self.pattern}


def pattern_for(*, link_state: str, phase: str | None, heating: bool, alert: bool) -> str:
    """The pattern for the appliance's state: halted, error, paused, heating, printing or idle."""
    if link_state == "halted":
        return "halted"
    if link_state in ("error", "disconnected") or alert:
        return "error"
    if phase == "paused":
        return "paused"
    if heating:
        return "heating"
    return "printing" if phase is not None else "idle"

"""The `gpio` and `safety` sections: pins (BCM), pulls, active states, and the host thermal watchdog."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from edge.config.fields import bounded
from edge.core.errors import ConfigError

# BCM GPIO numbers on the 40-pin header of every Raspberry Pi since the B+.
BCM_PINS = range(28)
NOT_FITTED = -1
PULLS = ("up", "down", "none")
ACTIVE_STATES = ("auto", "high", "low")


@dataclass(kw_only=True)
class InputConfig:
    """A switch on one pin: its pull, which level means active, debounce, and whether it is normally closed."""

    pin: int = bounded(NOT_FITTED, -1, 1000)  # -1: not fitted
    pull: str = bounded("up", choices=PULLS)
    active_state: str = bounded("auto", choices=ACTIVE_STATES)  # auto: low with a pull-up, high with a pull-down
    debounce_ms: float = bounded(20.0, 0, 5000)
    normally_closed: bool = False  # the switch opens when the condition occurs (active = normal)


@dataclass(kw_only=True)
class RunoutConfig(InputConfig):
    """Filament runout switch (active: no filament)."""


@dataclass(kw_only=True)
class DoorConfig(InputConfig):
    """Enclosure door switch (active: open)."""

    pause_on_open: bool = False


@dataclass(kw_only=True)
class ButtonConfig(InputConfig):
    """Emergency-stop button (active: pressed)."""

    debounce_ms: float = bounded(0.0, 0, 5000)
    psu_off: bool = True


@dataclass(kw_only=True)
class PsuConfig:
    """Relay that powers the printer."""

    pin: int = bounded(NOT_FITTED, -1, 1000)
    active_state: str = bounded("high", choices=("high", "low"))
    idle_off_s: float = bounded(600.0, 0, 86400)  # 0: never switched off automatically
    cool_below_c: float = bounded(50.0, 0, 300)
    ready_timeout_s: float = bounded(30.0, 0.1, 600)


@dataclass(kw_only=True)
class LedConfig:
    """A status LED on `pin`, or an RGB LED on red, green and blue."""

    pin: int = bounded(NOT_FITTED, -1, 1000)
    red: int = bounded(NOT_FITTED, -1, 1000)
    green: int = bounded(NOT_FITTED, -1, 1000)
    blue: int = bounded(NOT_FITTED, -1, 1000)
    active_state: str = bounded("high", choices=("high", "low"))


@dataclass(kw_only=True)
class EnclosureConfig:
    """DS18B20 on 1-wire: the w1_slave file in sysfs (empty: none)."""

    path: str = ""
    interval_s: float = bounded(5.0, 0.2, 3600)


@dataclass(kw_only=True)
class GpioConfig:
    """Sensors and outputs on the Pi's header; the pin factory (auto: gpiozero's default on a Pi, else mock)."""

    pin_factory: str = bounded("auto", choices=("auto", "mock", "default"))
    runout: RunoutConfig = field(default_factory=RunoutConfig)
    door: DoorConfig = field(default_factory=DoorConfig)
    button: ButtonConfig = field(default_factory=ButtonConfig)
    psu: PsuConfig = field(default_factory=PsuConfig)
    led: LedConfig = field(default_factory=LedConfig)
    enclosure: EnclosureConfig = field(default_factory=EnclosureConfig)

    def __post_init__(self) -> None:
        """A pin used twice, a pin that does not exist, or a pull that contradicts the active state is an error."""
        used: dict[int, str] = {}
        for key, pin in self.pins():
            if pin not in BCM_PINS:
                raise ConfigError(key, pin, f"no such BCM GPIO pin: use 0 to {BCM_PINS[-1]}, or -1 for none")
            if pin in used:
                raise ConfigError(key, pin, f"pin {pin} is already used by {used[pin]}")
            used[pin] = key
        for name in ("runout", "door", "button"):
            device = getattr(self, name)
            if device.pin != NOT_FITTED:
                check_pull(f"gpio.{name}", device.pull, device.active_state)
        if self.led.pin != NOT_FITTED and any(p != NOT_FITTED for p in (self.led.red, self.led.green, self.led.blue)):
            raise ConfigError("gpio.led.pin", self.led.pin, "give either pin (one LED) or red, green, blue (RGB)")
        rgb = [p != NOT_FITTED for p in (self.led.red, self.led.green, self.led.blue)]
        if any(rgb) and not all(rgb):
            raise ConfigError("gpio.led", "partial RGB", "an RGB LED needs all of red, green and blue")

    def pins(self) -> list[tuple[str, int]]:
        """Every fitted pin with its key (gpio.door.pin, gpio.led.red, ...)."""
        found = []
        for section in ("runout", "door", "button", "psu", "led"):
            device = getattr(self, section)
            for f in fields(device):
                value = getattr(device, f.name)
                if f.name in ("pin", "red", "green", "blue") and value != NOT_FITTED:
                    found.append((f"gpio.{section}.{f.name}", value))
        return found


def check_pull(key: str, pull: str, active_state: str) -> None:
    """gpiozero's rule: a pull-up means active low, a pull-down active high, and no pull needs an explicit state."""
    if pull == "none" and active_state == "auto":
        raise ConfigError(f"{key}.active_state", active_state, "with pull: none, say high or low (nothing pulls it)")
    implied = {"up": "low", "down": "high"}.get(pull)
    if implied is not None and active_state not in ("auto", implied):
        raise ConfigError(
            f"{key}.active_state",
            active_state,
            f"pull: {pull} makes the idle level {'high' if pull == 'up' else 'low'}, so active must be {implied} "
            "(for a normally-closed switch set normally_closed: true)",
        )


@dataclass(kw_only=True)
class SafetyConfig:
    """The host thermal watchdog: a second line behind the firmware's thermal protection."""

    enabled: bool = True
    psu_off: bool = True  # cut the printer's power on a trip (when a PSU relay is fitted)
    heat_check_s: float = bounded(30.0, 0.1, 3600)  # a heating heater must rise by heat_min_rise_c within this
    heat_min_rise_c: float = bounded(2.0, 0.1, 100)
    window_c: float = bounded(5.0, 0.5, 50)  # within this of its target, a heater has reached it
    drift_c: float = bounded(15.0, 1, 100)  # a heater that reached its target may stray this far ...
    drift_s: float = bounded(10.0, 0, 3600)  # ... for at most this long
    off_rise_c: float = bounded(10.0, 1, 100)  # target 0: rising this much above its lowest since is a runaway
    stuck_s: float = bounded(60.0, 0.1, 3600)  # an identical reading this long while far from the target
    min_valid_c: float = bounded(0.0, -60, 50)  # below: the thermistor is open (or shorted)
    max_valid_c: float = bounded(320.0, 50, 600)

"""Models of the GPIO endpoints: devices and their states, simulating an input, the power relay."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypedDict

from edge.web.schema import Meta


class GpioDevice(TypedDict):
    """One configured device: its pins (BCM), whether it is active, and its state in words."""

    name: str
    kind: str
    pins: dict[str, int]
    active: bool
    state: str


class Enclosure(TypedDict):
    """The DS18B20 enclosure thermometer."""

    temperature_c: float | None
    problem: str | None


class GpioStatus(TypedDict):
    """The pin factory (mock: simulation allowed), every configured device and the enclosure temperature."""

    pin_factory: str
    simulation: bool
    devices: list[GpioDevice]
    enclosure: Enclosure | None


@dataclass(frozen=True)
class DevicePath:
    """A GPIO device's name in the URL."""

    name: Annotated[str, Meta(description="runout, door or button", example="runout")]


@dataclass(frozen=True)
class SimulateRequest:
    """The condition to simulate: active means filament out, door open, button pressed."""

    active: bool


@dataclass(frozen=True)
class PowerRequest:
    """Switch the printer's power relay."""

    on: bool


class PowerState(TypedDict):
    """Whether the printer is powered."""

    powered: bool

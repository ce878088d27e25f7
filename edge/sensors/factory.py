"""Which gpiozero pin factory drives the pins: the default one on a Raspberry Pi, the mock one elsewhere."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gpiozero.pins import Factory

log = logging.getLogger("printedge.sensors")

MODEL_PATH = Path("/proc/device-tree/model")


def on_raspberry_pi(model_path: Path = MODEL_PATH) -> bool:
    """Whether this machine is a Raspberry Pi (blocking: call it off the event loop)."""
    try:
        return "Raspberry Pi" in model_path.read_text(errors="replace")
    except OSError:
        return False


def uses_mock(choice: str) -> bool:
    """Whether gpio.pin_factory (auto, mock, default) means gpiozero's mock factory here (blocking)."""
    return choice == "mock" or (choice == "auto" and not on_raspberry_pi())


def make_factory(choice: str) -> tuple[Factory, bool]:
    """The factory for gpio.pin_factory (auto, mock, default) and whether it is the mock (blocking)."""
    from gpiozero import Device
    from gpiozero.pins.mock import MockFactory

    if uses_mock(choice):
        return MockFactory(), True
    factory = Device._default_pin_factory()
    log.info("GPIO through %s", type(factory).__name__)
    return factory, False

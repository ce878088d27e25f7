"""Bad GPIO configuration is a clear error naming the key."""

from __future__ import annotations

import pytest

from edge.config.loader import load_config
from edge.core.errors import ConfigError


def test_a_pin_used_twice_names_both_keys() -> None:
    env = {"PRINTEDGE_GPIO__RUNOUT__PIN": "17", "PRINTEDGE_GPIO__PSU__PIN": "17"}
    with pytest.raises(ConfigError, match=r"gpio.psu.pin: pin 17 is already used by gpio.runout.pin"):
        load_config(env=env)


def test_an_unknown_pin_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"gpio.door.pin: no such BCM GPIO pin: use 0 to 27"):
        load_config(env={"PRINTEDGE_GPIO__DOOR__PIN": "40"})


def test_a_pull_up_with_active_high_is_refused() -> None:
    env = {"PRINTEDGE_GPIO__RUNOUT__PIN": "17", "PRINTEDGE_GPIO__RUNOUT__ACTIVE_STATE": "high"}
    with pytest.raises(ConfigError, match=r"gpio.runout.active_state: pull: up .* active must be low"):
        load_config(env=env)


def test_no_pull_needs_an_explicit_active_state() -> None:
    env = {"PRINTEDGE_GPIO__BUTTON__PIN": "22", "PRINTEDGE_GPIO__BUTTON__PULL": "none"}
    with pytest.raises(ConfigError, match=r"gpio.button.active_state: with pull: none, say high or low"):
        load_config(env=env)


def test_a_partial_rgb_led_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"needs all of red, green and blue"):
        load_config(env={"PRINTEDGE_GPIO__LED__RED": "5"})

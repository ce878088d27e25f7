"""The safety filter refuses dangerous commands with a message naming the value and the limit."""

from __future__ import annotations

import pytest

from edge.config.schema import LimitsConfig
from edge.core.errors import CommandRejectedError, CommandTooLongError, TemperatureLimitError
from edge.gcode.safety import SafetyFilter

FILTER = SafetyFilter(LimitsConfig(hotend_max_c=260, bed_max_c=100), max_line_length=96)


@pytest.mark.parametrize("command", ["M104 S300", "M109 S261", "M109 R300"])
def test_hotend_over_the_limit_is_refused(command: str) -> None:
    with pytest.raises(TemperatureLimitError) as err:
        FILTER.check(command)
    assert "260" in err.value.message and "hotend" in err.value.message


@pytest.mark.parametrize("command", ["M140 S120", "M190 S101"])
def test_bed_over_the_limit_is_refused(command: str) -> None:
    with pytest.raises(TemperatureLimitError, match="bed target"):
        FILTER.check(command)


@pytest.mark.parametrize("command", ["M104 S260", "M140 S100", "G1 X300 S500", "M106 S255"])
def test_commands_within_limits_pass(command: str) -> None:
    assert FILTER.check(command) == command


def test_line_over_the_firmware_limit_is_refused() -> None:
    with pytest.raises(CommandTooLongError, match="limit 96"):
        FILTER.check("M117 " + "x" * 90)


@pytest.mark.parametrize("command", ["G1 X1\nG1 X2", "M117 caf\u00e9"])
def test_control_characters_and_non_ascii_are_refused(command: str) -> None:
    with pytest.raises(CommandRejectedError):
        FILTER.check(command)

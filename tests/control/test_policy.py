"""What a person may send by hand while a job runs."""

from __future__ import annotations

import pytest

from edge.control.policy import check_manual
from edge.core.errors import CommandNotAllowedError


@pytest.mark.parametrize(
    "command",
    ["M106 S255", "M107", "M220 S80", "M221 S110", "M290 Z0.05", "M104 S210", "M140 S60", "M105", "M114", "M117 hi"],
)
def test_what_the_machine_model_follows_is_allowed_while_printing(command: str) -> None:
    check_manual(command, printing=True, paused=False)


@pytest.mark.parametrize(
    "command",
    [
        "G1 X10",
        "G0 Y5",
        "G1 E2",
        "G2 X1 Y1 I1 J0",
        "G28",
        "G29",
        "G92 E0",
        "M82",
        "M83",
        "G91",
        "T1",
        "M109 S200",
        "M400",
        "M84",
        "M600",
    ],
)
def test_motion_extrusion_modes_and_waits_are_refused_while_printing(command: str) -> None:
    with pytest.raises(CommandNotAllowedError, match="while a job is printing"):
        check_manual(command, printing=True, paused=False)


@pytest.mark.parametrize("command", ["G28", "G28 Z", "G29", "G92 X0"])
def test_homing_and_coordinate_changes_are_refused_while_paused(command: str) -> None:
    with pytest.raises(CommandNotAllowedError, match="while a job is paused"):
        check_manual(command, printing=False, paused=True)


@pytest.mark.parametrize("command", ["G1 E5 F300", "G91", "G1 Z5", "M109 S220", "M600"])
def test_moving_purging_and_heating_are_allowed_while_paused(command: str) -> None:
    check_manual(command, printing=False, paused=True)


def test_anything_goes_when_no_job_runs() -> None:
    for command in ("G28", "G1 X10 E5", "G92 E0", "T1"):
        check_manual(command, printing=False, paused=False)

"""Resuming an interrupted job puts the nozzle back where the job was, and never extrudes at a height it did not ask for."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from edge.config.schema import JobsConfig
from edge.core.events import EventBus
from edge.gcode.text import command_word, params
from edge.printer.link import PrinterLink
from edge.printer.outcome import MemoryObserver, RunResult
from edge.printer.runner import JobRunner
from edge.printer.simulator.settings import ExecutedLine
from tests.gcode_files import layered_file

from .conftest import SimFactory

MakeLink = Callable[..., PrinterLink]
pytestmark = pytest.mark.usefixtures("no_blocking_in_edge")


def extrusions(lines: list[ExecutedLine]) -> list[ExecutedLine]:
    """The moves that pushed filament, following the E mode the way the firmware does."""
    relative = False
    found = []
    for line in lines:
        word = command_word(line.command)
        if word == "M83":
            relative = True
        elif word in ("M82", "G90"):
            relative = False
        elif word == "G91":
            relative = True
        elif word in ("G0", "G1", "G2", "G3"):
            e = params(line.command).get("E")
            if e is not None and (e > 0 if relative else e > line.before[3] + 1e-9):
                found.append(line)
    return found


def file_heights(path: Path) -> set[float]:
    return {round(params(line)["Z"], 4) for line in path.read_text().splitlines() if line.startswith("G1 Z")}


async def test_the_nozzle_is_back_at_the_recovery_point_before_the_first_resumed_extrusion(
    make_printer: SimFactory, make_link: MakeLink, tmp_path: Path
) -> None:
    printer = await make_printer(time_scale=0.05)
    link = make_link(printer.port)
    await link.connect()
    gcode = tmp_path / "part.gcode"
    layered_file(gcode, 6, 40)
    observer = MemoryObserver()
    runner = JobRunner(link, EventBus(), observer, JobsConfig())
    task = asyncio.create_task(runner.run(1, gcode, lines_total=246))
    for _ in range(1000):
        if runner.layer >= 3 and runner.lines_done % 40 > 10:
            break
        await asyncio.sleep(0.01)
    printer.disconnect()  # a power cut, as the host sees it
    outcome = await asyncio.wait_for(task, 10)
    assert outcome.result is RunResult.INTERRUPTED
    point = observer.recovery_point
    assert point is not None and point.layer >= 3
    assert (point.x, point.y) != (0.0, 0.0), "the recovery point keeps X and Y"

    await printer.reconnect()  # the printer powers up again: it knows nothing of where it was
    await link.connect()
    resumed_from = len(printer.executed)
    resumed = await JobRunner(link, EventBus(), MemoryObserver(), JobsConfig()).run(
        2, gcode, lines_total=246, resume=point
    )
    assert resumed.result is RunResult.COMPLETED
    after = list(printer.executed)[resumed_from:]
    pushed = extrusions(after)
    x, y, z, _ = pushed[0].before
    assert (x, y, z) == pytest.approx((point.x, point.y, point.z), abs=0.01)
    allowed = file_heights(gcode) | {round(point.z, 4)}
    wrong = [(line.command, line.before[2]) for line in pushed if round(line.before[2], 4) not in allowed]
    assert wrong == [], "an extruding move ran at a height the file never asked for"
    commands = [line.command for line in after]
    assert commands.index("G28 X Y") < commands.index(f"G92 Z{point.z:g}"), "X and Y homed, Z never"
    assert not any(c == "G28" or c.startswith("G28 Z") for c in commands)

"""The job runner: progress, layers, pause/resume/cancel scripts, recovery points, interruptions."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from edge.config.schema import JobsConfig
from edge.core.events import EventBus, JobProgress
from edge.gcode.text import strip_comment
from edge.printer.link import PrinterLink
from edge.printer.outcome import MemoryObserver, RunPhase, RunResult
from edge.printer.runner import JobRunner
from tests.gcode_files import layered_file

from .conftest import SimFactory

MakeLink = Callable[..., PrinterLink]
pytestmark = pytest.mark.usefixtures("no_blocking_in_edge")
CUBE = Path(__file__).resolve().parents[1] / "data" / "cube.gcode"


def commands_of(path: Path) -> list[str]:
    return [c for c in (strip_comment(line) for line in path.read_text().splitlines()) if c]


async def test_prints_a_file_to_completion_with_layers_and_progress(
    make_printer: SimFactory, make_link: MakeLink
) -> None:
    printer = await make_printer(time_scale=0.001)
    link = make_link(printer.port)
    await link.connect()
    bus = EventBus()
    progress = bus.subscribe(JobProgress)
    sink = MemoryObserver()
    runner = JobRunner(link, bus, sink, JobsConfig())
    outcome = await runner.run(1, CUBE, lines_total=len(commands_of(CUBE)), estimated_time_s=62)
    assert outcome.result is RunResult.COMPLETED
    assert runner.lines_done == len(commands_of(CUBE))
    assert runner.bytes_done == CUBE.stat().st_size
    assert runner.layer == 5
    executed = [e.command for e in printer.executed if e.number]
    assert executed[-1] == "M400"
    assert executed[-1 - len(commands_of(CUBE)) : -1] == commands_of(CUBE)
    assert sink.recovery_point is not None and sink.recovery_point.layer == 5
    last = None
    while (event := progress.get_nowait()) is not None:
        last = event
    assert isinstance(last, JobProgress) and last.lines_done == runner.lines_done


async def test_pause_parks_the_head_and_resume_restores_it(
    make_printer: SimFactory, make_link: MakeLink, tmp_path: Path
) -> None:
    printer = await make_printer(time_scale=0.05)
    link = make_link(printer.port)
    await link.connect()
    gcode = tmp_path / "p.gcode"
    layered_file(gcode, 4, 40)
    runner = JobRunner(link, EventBus(), MemoryObserver(), JobsConfig(park_x=5, park_y=190))
    task = asyncio.create_task(runner.run(1, gcode, lines_total=len(commands_of(gcode))))
    await asyncio.sleep(0.3)
    runner.request_pause()
    await asyncio.wait_for(runner.parked.wait(), 10)
    assert runner.phase is RunPhase.PAUSED
    assert printer.position["x"] == 5 and printer.position["y"] == 190
    parked_at = dict(printer.position)
    await asyncio.sleep(0.2)
    assert printer.position == parked_at
    runner.request_resume()
    assert (await asyncio.wait_for(task, 60)).result is RunResult.COMPLETED
    job_lines = [e.command for e in printer.executed if e.number and e.command in set(commands_of(gcode))]
    assert len([c for c in job_lines if c.startswith("G1 X")]) >= 160


async def test_cancel_runs_the_end_script(make_printer: SimFactory, make_link: MakeLink, tmp_path: Path) -> None:
    printer = await make_printer(time_scale=0.05)
    link = make_link(printer.port)
    await link.connect()
    gcode = tmp_path / "c.gcode"
    layered_file(gcode, 4, 40)
    sink = MemoryObserver()
    runner = JobRunner(link, EventBus(), sink, JobsConfig())
    task = asyncio.create_task(runner.run(1, gcode, lines_total=len(commands_of(gcode))))
    await asyncio.sleep(0.3)
    runner.request_cancel()
    outcome = await asyncio.wait_for(task, 30)
    assert outcome.result is RunResult.CANCELLED
    assert [e.command for e in printer.executed][-4:] == ["M104 S0", "M140 S0", "M107", "M84"]
    assert "cancelled at line" in outcome.detail


async def test_disconnect_mid_print_leaves_an_interrupted_job_with_a_recovery_point(
    make_printer: SimFactory, make_link: MakeLink, tmp_path: Path
) -> None:
    printer = await make_printer(time_scale=0.05)
    link = make_link(printer.port)
    await link.connect()
    gcode = tmp_path / "d.gcode"
    layered_file(gcode, 6, 40)
    sink = MemoryObserver()
    runner = JobRunner(link, EventBus(), sink, JobsConfig())
    task = asyncio.create_task(runner.run(1, gcode, lines_total=len(commands_of(gcode))))
    for _ in range(500):
        if runner.layer >= 2:
            break
        await asyncio.sleep(0.02)
    printer.disconnect()
    outcome = await asyncio.wait_for(task, 10)
    assert outcome.result is RunResult.INTERRUPTED
    assert "interrupted at line" in outcome.detail and "lost" in outcome.detail
    assert sink.recovery_point is not None
    assert sink.recovery_point.layer >= 2
    assert sink.recovery_point.line_index == runner.last_index


async def test_resume_from_a_recovery_point_skips_what_already_ran(
    make_printer: SimFactory, make_link: MakeLink, tmp_path: Path
) -> None:
    printer = await make_printer(time_scale=0.001)
    link = make_link(printer.port)
    await link.connect()
    gcode = tmp_path / "r.gcode"
    layered_file(gcode, 3, 10)
    first = JobRunner(link, EventBus(), MemoryObserver(), JobsConfig())
    await first.run(1, gcode, lines_total=len(commands_of(gcode)))
    point = first.recovery_point()
    point.line_index = 20
    point.z = 0.4
    before = len(printer.executed)
    second = JobRunner(link, EventBus(), MemoryObserver(), JobsConfig())
    outcome = await second.run(2, gcode, lines_total=len(commands_of(gcode)), resume=point)
    assert outcome.result is RunResult.COMPLETED
    ran = [e.command for e in printer.executed[before:]]
    lines = gcode.read_text().splitlines()
    preamble_end = ran.index("G1 F3000")
    assert "G28 X Y" in ran[:preamble_end] and "G92 Z0.4" in ran[:preamble_end]
    assert ran[preamble_end + 1 : -1] == [c for c in lines[21:] if c and not c.startswith(";")]
    assert ran[-1] == "M400"

"""A firmware that stalls (LCD redraws, replies without a TX buffer) and files full of arcs, streamed windowed."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from pathlib import Path

import pytest

from edge.config.schema import JobsConfig
from edge.core.events import EventBus
from edge.printer.link import PrinterLink
from edge.printer.outcome import MemoryObserver, RunResult
from edge.printer.runner import JobRunner

from .conftest import SimFactory

MakeLink = Callable[..., PrinterLink]
pytestmark = pytest.mark.usefixtures("no_blocking_in_edge")

# An 8-bit Marlin board at 250000 baud: replies block the loop, each command takes a little time, and the
# LCD redraw holds everything for 30 ms every 100 ms.
STALLING = {
    "baud": 250000,
    "latency_ms": 2.0,
    "blocking_replies": True,
    "command_time_ms": 0.3,
    "stall_every_ms": 100.0,
    "stall_ms": 30.0,
    "advanced_ok": True,
}


def arcs_file(path: Path, arcs: int) -> list[str]:
    """Arcs (G2/G3 with I/J) between short straight moves, as arc-fitting slicers write them."""
    lines = ["G28", "G90", "M83", "G1 Z0.3 F600", "G1 X100 Y100 F6000"]
    x, y = 100.0, 100.0
    for i in range(arcs):
        radius = 3.0 + (i % 7)
        angle = (i % 5 + 1) * math.pi / 6
        cx, cy = x - radius, y
        nx, ny = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        word = "G3" if i % 2 else "G2"
        lines.append(f"{word} X{nx:.3f} Y{ny:.3f} I{cx - x:.3f} J{cy - y:.3f} E{0.05 * radius:.4f} F3600")
        x, y = nx, ny
        lines.append(f"G1 X{x + 0.5:.3f} Y{y:.3f} E0.0200")
        x += 0.5
    path.write_text("\n".join(lines) + "\n")
    return lines


def moves_file(path: Path, moves: int) -> list[str]:
    lines = ["G28", "G90", "M83"]
    lines += [f"G1 X{50 + (i % 40)}.{i % 10} Y{60 + (i % 30)}.5 E0.0123 F6000" for i in range(moves)]
    path.write_text("\n".join(lines) + "\n")
    return lines


def job_lines(printer: object, first: str) -> list[str]:
    executed = [e.command for e in printer.executed if e.number is not None]  # type: ignore[attr-defined]
    start = executed.index(first)
    return executed[start:]


async def test_a_file_heavy_with_arcs_streams_windowed_without_overrun_exactly_once(
    make_printer: SimFactory, make_link: MakeLink, tmp_path: Path
) -> None:
    printer = await make_printer(time_scale=0.02, **STALLING)
    link = make_link(printer.port)
    await link.connect()
    gcode = tmp_path / "arcs.gcode"
    lines = arcs_file(gcode, 300)
    peak = 0

    async def watch() -> None:
        nonlocal peak
        while True:
            peak = max(peak, link.in_flight)
            await asyncio.sleep(0.0005)

    watcher = asyncio.create_task(watch())
    outcome = await JobRunner(link, EventBus(), MemoryObserver(), JobsConfig()).run(1, gcode, lines_total=len(lines))
    watcher.cancel()
    assert outcome.result is RunResult.COMPLETED
    # (The firmware's own count includes the one line error the link provokes at connect, on purpose.)
    assert printer.stats.rx_overflows == 0 and link.stats.line_errors == 0
    assert printer.stats.stalls > 0 and printer.stats.moves > 2 * 300, "the arcs were cut into many blocks"
    assert job_lines(printer, "G28")[: len(lines)] == lines, "every line exactly once, in order"
    assert peak >= 2, "the link kept a window"


async def test_overcommitting_the_rx_buffer_overruns_a_stalling_firmware_and_the_default_does_not(
    make_printer: SimFactory, make_link: MakeLink, tmp_path: Path
) -> None:
    gcode = tmp_path / "moves.gcode"
    lines = moves_file(gcode, 800)
    results = {}
    for overcommit in ("on", "off"):
        printer = await make_printer(time_scale=0.0, **STALLING)
        link = make_link(printer.port, overcommit=overcommit)
        await link.connect()
        outcome = await JobRunner(link, EventBus(), MemoryObserver(), JobsConfig()).run(
            1, gcode, lines_total=len(lines)
        )
        assert outcome.result is RunResult.COMPLETED
        assert job_lines(printer, "G28")[: len(lines)] == lines
        results[overcommit] = (printer.stats.rx_overflows, link.stats.line_errors)
        await link.disconnect()
    assert results["on"][0] > 0, f"over-commit should be visible: {results}"
    assert results["off"] == (0, 0), f"the default budget never overruns: {results}"


async def test_adaptive_overcommit_switches_itself_off_after_the_first_overrun(
    make_printer: SimFactory, make_link: MakeLink, tmp_path: Path
) -> None:
    gcode = tmp_path / "moves.gcode"
    lines = moves_file(gcode, 800)
    printer = await make_printer(time_scale=0.0, **STALLING)
    link = make_link(printer.port, overcommit="adaptive")
    await link.connect()
    outcome = await JobRunner(link, EventBus(), MemoryObserver(), JobsConfig()).run(1, gcode, lines_total=len(lines))
    assert outcome.result is RunResult.COMPLETED
    assert link.core.flow.overcommit_tripped
    assert link.stats.line_errors <= 3, "after the first error it stops over-committing"

"""`printedge print`: stream one file to a printer without the service, with a progress bar."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from edge.config.schema import AppConfig
from edge.core.errors import PrintEdgeError
from edge.core.events import EventBus, JobProgress
from edge.gcode.analysis import analyse
from edge.printer.link import PrinterLink
from edge.printer.outcome import MemoryObserver, RunResult
from edge.printer.runner import JobRunner


def _bar(progress: JobProgress, started: float) -> str:
    fraction = progress.bytes_done / progress.bytes_total if progress.bytes_total else 0.0
    filled = int(fraction * 30)
    rate = progress.lines_done / max(time.monotonic() - started, 1e-6)
    return (
        f"\r[{'#' * filled}{'.' * (30 - filled)}] {fraction * 100:5.1f}%  "
        f"{progress.lines_done}/{progress.lines_total} lines  layer {progress.layer}  {rate:.0f} lines/s"
    )


async def print_file(path: Path, port: str, config: AppConfig, *, as_json: bool = False) -> int:
    """Print the file; 0 only when every line was acknowledged and the printer finished them."""
    if not await asyncio.to_thread(path.is_file):
        print(f"printedge: {path} is not a file", file=sys.stderr)
        return 2
    try:
        analysis = await analyse(path, config.printer.max_line_length, name=path.name, limits=config.printer.limits)
    except PrintEdgeError as exc:
        print(f"printedge: {exc.message}", file=sys.stderr)
        return 2
    bus = EventBus()
    link = PrinterLink(config.printer, bus, port=port)
    try:
        await link.connect()
    except PrintEdgeError as exc:
        print(f"printedge: {exc.message}", file=sys.stderr)
        return 1
    runner = JobRunner(link, bus, MemoryObserver(), config.jobs)
    progress = bus.subscribe(JobProgress, maxsize=4)
    started = time.monotonic()
    interactive = sys.stderr.isatty()

    async def show() -> None:
        async for event in progress:
            if interactive and isinstance(event, JobProgress):
                print(_bar(event, started), end="", file=sys.stderr, flush=True)

    shower = asyncio.create_task(show())
    try:
        outcome = await runner.run(
            1, path, lines_total=analysis.command_lines, estimated_time_s=analysis.estimated_time_s
        )
    finally:
        shower.cancel()
        progress.close()
        await link.disconnect()
    elapsed = time.monotonic() - started
    if interactive:
        print(_bar(runner.progress(), started), file=sys.stderr)
    if as_json:
        report = {
            "file": str(path),
            "result": outcome.result.value,
            "detail": outcome.detail,
            "lines": runner.lines_done,
            "seconds": round(elapsed, 3),
            "firmware": link.profile.to_dict(),
            "job": outcome.stats,
            "connection": link.stats.to_dict(),
        }
        print(json.dumps(report, indent=2))
    elif outcome.result is RunResult.COMPLETED:
        stats = link.stats
        print(
            f"printed {path.name}: {runner.lines_done} lines in {elapsed:.1f} s "
            f"({stats.retransmissions} resent, {stats.line_errors} line errors, {stats.fragments} fragments)"
        )
    if outcome.result is RunResult.COMPLETED:
        return 0
    print(f"printedge: {path.name} not completed: {outcome.detail}", file=sys.stderr)
    return 1

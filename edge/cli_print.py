"""`printedge print`: stream one file to a printer without the service, with a progress bar."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from edge.config.schema import AppConfig
from edge.core.errors import PrintEdgeError
from edge.core.events import EventBus, JobProgress
from edge.gcode.analysis import analyse
from edge.printer.link import PrinterLink
from edge.printer.runner import JobRunner, MemoryJobSink
from edge.store.records import JobState


def _bar(progress: JobProgress, started: float) -> str:
    fraction = progress.bytes_done / progress.bytes_total if progress.bytes_total else 0.0
    filled = int(fraction * 30)
    rate = progress.lines_done / max(time.monotonic() - started, 1e-6)
    return (
        f"\r[{'#' * filled}{'.' * (30 - filled)}] {fraction * 100:5.1f}%  "
        f"{progress.lines_done}/{progress.lines_total} lines  layer {progress.layer}  {rate:.0f} lines/s"
    )


async def print_file(path: Path, port: str, config: AppConfig) -> int:
    """Print the file; 0 only when every line was acknowledged."""
    if not await asyncio.to_thread(path.is_file):
        print(f"printedge: {path} is not a file", file=sys.stderr)
        return 2
    try:
        analysis = await analyse(path, config.printer.max_line_length, name=path.name)
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
    sink = MemoryJobSink()
    runner = JobRunner(link, bus, sink, config.jobs)
    progress = bus.subscribe(JobProgress, maxsize=4)
    started = time.monotonic()
    interactive = sys.stderr.isatty()

    async def show() -> None:
        async for event in progress:
            if interactive and isinstance(event, JobProgress):
                print(_bar(event, started), end="", file=sys.stderr, flush=True)

    shower = asyncio.create_task(show())
    try:
        state = await runner.run(
            1, path, lines_total=analysis.command_lines, estimated_time_s=analysis.estimated_time_s
        )
    finally:
        shower.cancel()
        progress.close()
        await link.disconnect()
    elapsed = time.monotonic() - started
    if interactive:
        print(_bar(runner.progress(), started), file=sys.stderr)
    if state is JobState.COMPLETED:
        print(
            f"printed {path.name}: {runner.lines_done} lines acknowledged in {elapsed:.1f} s "
            f"({link.stats.retransmissions} resent, {link.stats.line_errors} line errors)"
        )
        return 0
    print(f"printedge: {path.name} not completed: {sink.detail}", file=sys.stderr)
    return 1

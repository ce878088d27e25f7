"""Streaming benchmarks: link utilization, planner underruns, host CPU per 10,000 lines. Prints JSON."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import SimulatorProcess, curves_file
from edge.config.schema import AppConfig
from edge.core.events import EventBus
from edge.printer.link import PrinterLink
from edge.printer.runner import JobRunner, MemoryObserver


async def stream(port: Path, gcode: Path, *, baud: int, window: str, lines: int) -> dict[str, float | int | str]:
    """Print one file through the real link and runner; measure wall time, CPU and bytes."""
    config = AppConfig()
    config.printer.baud = baud if baud else 250000
    config.printer.window = window
    link = PrinterLink(config.printer, EventBus(), port=str(port))
    await link.connect()
    runner = JobRunner(link, EventBus(), MemoryObserver(), config.jobs)
    cpu0, t0 = time.process_time(), time.monotonic()
    outcome = await runner.run(1, gcode, lines_total=lines)
    elapsed, cpu = time.monotonic() - t0, time.process_time() - cpu0
    stats = link.stats
    await link.disconnect()
    result: dict[str, float | int | str] = {
        "result": outcome.result.value,
        "lines": runner.lines_done,
        "seconds": round(elapsed, 3),
        "lines_per_s": round(runner.lines_done / elapsed, 1),
        "wire_bytes_per_s": round(stats.bytes_acked / elapsed, 1),
        "host_cpu_s_per_10k_lines": round(cpu / max(runner.lines_done, 1) * 10_000, 3),
        "retransmissions": stats.retransmissions,
        "line_errors": stats.line_errors,
        "timeouts": stats.timeouts,
    }
    if baud:
        result["utilization"] = round(stats.bytes_acked / elapsed / (baud / 10), 4)
    return result


async def utilization(work: Path) -> dict[str, object]:
    """Link utilization with instant moves (the wire is the only limit), window and ping-pong."""
    out: dict[str, object] = {}
    for baud in (115200, 250000):
        for window, lines in (("auto", 4000), ("1", 1500)):
            for advanced in (True, False):
                gcode = curves_file(work / f"u{lines}.gcode", lines)
                sim = SimulatorProcess(
                    work,
                    baud=baud,
                    latency_ms=2.0,
                    time_scale=0.0,
                    advanced_ok=advanced,
                    name=f"u{baud}{window}{advanced}",
                )
                try:
                    result = await stream(sim.link, gcode, baud=baud, window=window, lines=lines + 3)
                finally:
                    sim_stats = sim.stop()
                result["rx_overflows"] = int(str(sim_stats.get("rx_overflows", 0)))
                mode = "window" if window == "auto" else "ping_pong"
                out[f"{baud}_{mode}_{'advanced_ok' if advanced else 'plain_ok'}"] = result
    return out


async def underruns(work: Path, lines: int = 5000) -> dict[str, object]:
    """Planner underruns on 0.4 mm chords at 80 mm/s, 250000 baud, 2 ms latency each way."""
    out: dict[str, object] = {}
    gcode = curves_file(work / "curves.gcode", lines)
    for window in ("auto", "1"):
        sim = SimulatorProcess(work, baud=250000, latency_ms=2.0, time_scale=1.0, advanced_ok=True, name=f"c{window}")
        try:
            result = await stream(sim.link, gcode, baud=250000, window=window, lines=lines + 3)
        finally:
            sim_stats = sim.stop()
        result["planner_underruns"] = int(str(sim_stats.get("underruns", -1)))
        out["window" if window == "auto" else "ping_pong"] = result
    return out


async def cpu_unpaced(work: Path, lines: int = 20000) -> dict[str, object]:
    """Host CPU per 10,000 lines when the printer answers as fast as a pseudo-terminal allows."""
    gcode = curves_file(work / "fast.gcode", lines)
    sim = SimulatorProcess(work, baud=0, latency_ms=0.0, time_scale=0.0, advanced_ok=True, name="fast")
    try:
        return await stream(sim.link, gcode, baud=0, window="auto", lines=lines + 3)
    finally:
        sim.stop()


async def main() -> dict[str, object]:
    """Run every streaming benchmark."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        return {
            "link_utilization": await utilization(work),
            "planner_underruns_curves_250000": await underruns(work),
            "host_cpu_unpaced": await cpu_unpaced(work),
        }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), indent=2))

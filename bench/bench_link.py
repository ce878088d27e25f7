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
from edge.printer.outcome import MemoryObserver
from edge.printer.runner import JobRunner

Figures = dict[str, object]
# An 8-bit board: replies block the loop (no TX buffer), each command takes a little, the LCD redraws.
STALLING = ("--blocking-replies", "--command-time-ms", "0.3", "--stall-every-ms", "100", "--stall-ms", "30")


async def stream(
    port: Path, gcode: Path, *, baud: int, window: str = "auto", overcommit: str = "off", lines: int
) -> Figures:
    """Print one file through the real link and runner; measure wall time, CPU and bytes."""
    config = AppConfig()
    config.printer.baud = baud if baud else 250000
    config.printer.window = window
    config.printer.overcommit = overcommit
    link = PrinterLink(config.printer, EventBus(), port=str(port))
    await link.connect()
    runner = JobRunner(link, EventBus(), MemoryObserver(), config.jobs)
    cpu0, t0 = time.process_time(), time.monotonic()
    outcome = await runner.run(1, gcode, lines_total=lines)
    elapsed, cpu = time.monotonic() - t0, time.process_time() - cpu0
    stats = link.stats
    await link.disconnect()
    result: Figures = {
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


async def run_on(
    work: Path, name: str, gcode: Path, lines: int, *, baud: int, advanced: bool = True, time_scale: float,
    window: str = "auto", overcommit: str = "off", extra: tuple[str, ...] = (),
) -> Figures:  # fmt: skip
    """One streaming run against a simulator in its own process; adds the simulator's own counters."""
    sim = SimulatorProcess(
        work, baud=baud, latency_ms=2.0 if baud else 0.0, time_scale=time_scale, advanced_ok=advanced, name=name,
        extra=extra,
    )  # fmt: skip
    try:
        result = await stream(sim.link, gcode, baud=baud, window=window, overcommit=overcommit, lines=lines)
    finally:
        sim_stats = sim.stop()
    result["rx_overflows"] = int(str(sim_stats.get("rx_overflows", 0)))
    result["planner_underruns"] = int(str(sim_stats.get("underruns", 0)))
    return result


async def utilization(work: Path) -> Figures:
    """Link utilization with instant moves (the wire is the only limit): the default budget, over-commit (adaptive and
    always), ping-pong."""
    out: Figures = {}
    for baud in (115200, 250000):
        for mode, window, overcommit, lines in (
            ("window", "auto", "off", 4000),
            ("window_overcommit", "auto", "on", 4000),
            ("window_adaptive", "auto", "adaptive", 4000),
            ("ping_pong", "1", "off", 1500),
        ):
            for advanced in (True, False):
                if overcommit != "off" and not advanced:
                    continue  # over-commit needs ADVANCED_OK's planner counts
                gcode = curves_file(work / f"u{lines}.gcode", lines)
                key = f"{baud}_{mode}_{'advanced_ok' if advanced else 'plain_ok'}"
                out[key] = await run_on(
                    work, key, gcode, lines + 3, baud=baud, advanced=advanced, time_scale=0.0,
                    window=window, overcommit=overcommit,
                )  # fmt: skip
    return out


async def stalling_firmware(work: Path, lines: int = 3000) -> Figures:
    """An 8-bit board that stalls, at 250000 baud: what over-committing the RX buffer costs, and the default."""
    out: Figures = {}
    gcode = curves_file(work / "stall.gcode", lines)
    for overcommit in ("off", "adaptive", "on"):
        out[f"overcommit_{overcommit}"] = await run_on(
            work, f"s{overcommit}", gcode, lines + 3, baud=250000, time_scale=0.0, overcommit=overcommit,
            extra=STALLING,
        )  # fmt: skip
    return out


async def underruns(work: Path, lines: int = 5000) -> Figures:
    """Planner underruns on 0.4 mm chords at 80 mm/s, 250000 baud, 2 ms latency each way; real-time host CPU."""
    out: Figures = {}
    gcode = curves_file(work / "curves.gcode", lines)
    for mode, window in (("window", "auto"), ("ping_pong", "1")):
        for advanced in (True, False):
            key = f"{mode}_{'advanced_ok' if advanced else 'plain_ok'}"
            out[key] = await run_on(
                work, f"c{key}", gcode, lines + 3, baud=250000, advanced=advanced, time_scale=1.0, window=window
            )
    return out


async def cpu_unpaced(work: Path, lines: int = 20000) -> Figures:
    """Host CPU per 10,000 lines when the printer answers as fast as a pseudo-terminal allows."""
    gcode = curves_file(work / "fast.gcode", lines)
    return await run_on(work, "fast", gcode, lines + 3, baud=0, time_scale=0.0)


async def main() -> Figures:
    """Run every streaming benchmark."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        curves = await underruns(work)
        unpaced = await cpu_unpaced(work)
        return {
            "link_utilization": await utilization(work),
            "stalling_firmware_250000": await stalling_firmware(work),
            "planner_underruns_curves_250000": curves,
            "host_cpu_unpaced": unpaced,
            "host_cpu_s_per_10k_lines": {
                "real_time_curves_250000": curves["window_advanced_ok"]["host_cpu_s_per_10k_lines"],  # type: ignore[index]
                "unpaced": unpaced["host_cpu_s_per_10k_lines"],
            },
        }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), indent=2))

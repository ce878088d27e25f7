"""GPIO benchmarks: emergency-stop button edge to M112 at the printer; runout edge to the printer parked."""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from edge.app import Appliance
from edge.config.loader import load_config
from edge.control.caller import Caller, CallerKind
from edge.printer.link import LinkState
from edge.printer.outcome import RunPhase
from edge.printer.simulator import VirtualPrinter

OWNER = Caller(CallerKind.CLI, "bench")
REPEATS = 5


def _env(data_dir: Path) -> dict[str, str]:
    return {
        "PRINTEDGE_DEVICE__DATA_DIR": str(data_dir),
        "PRINTEDGE_API__PORT": "0",
        "PRINTEDGE_DISCOVERY__ENABLED": "false",
        "PRINTEDGE_GPIO__PIN_FACTORY": "mock",
        "PRINTEDGE_GPIO__RUNOUT__PIN": "17",
        "PRINTEDGE_GPIO__RUNOUT__DEBOUNCE_MS": "0",
        "PRINTEDGE_GPIO__BUTTON__PIN": "22",
        "PRINTEDGE_GPIO__PSU__PIN": "23",
        "PRINTEDGE_GPIO__PSU__IDLE_OFF_S": "0",
        "PRINTEDGE_JOBS__AUTO_CONTINUE": "true",
    }


def _moves(count: int) -> bytes:
    lines = ["G28", "G90", "M83", "G1 Z0.2 F600"]
    lines += [f"G1 X{20 + (i % 2)} Y{20 + (i % 80) * 0.1:.1f} E0.03 F3000" for i in range(count)]
    return ("\n".join(lines) + "\n").encode()


async def _until(check: Callable[[], bool], within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError("benchmark step did not happen in time")
        await asyncio.sleep(0.001)


async def _print(app: Appliance, work: Path) -> None:
    path = work / "moves.gcode"
    path.write_bytes(_moves(3000))
    stored = await app.services.files.add_path("moves.gcode", path)
    await app.services.control.start_job(OWNER, stored.id)
    await _until(lambda: app.manager.runner is not None and app.manager.runner.progress().lines_done > 20, within=60)


def _drive(app: Appliance, name: str, active: bool) -> float:
    """Drive an input from another thread, as a real edge arrives; the monotonic time of the edge."""
    t0 = time.monotonic()
    app.sensors.inputs[name].simulate(active)
    return t0


async def button_to_m112(app: Appliance, sim: VirtualPrinter, work: Path) -> list[float]:
    """Milliseconds from the button's edge to M112 acted on by the printer, while a job streams."""
    figures: list[float] = []
    for _ in range(REPEATS):
        sim.stats.emergency_stop_at = None
        await _print(app, work)
        t0 = await asyncio.to_thread(_drive, app, "button", True)
        await _until(lambda: sim.stats.emergency_stop_at is not None)
        assert sim.stats.emergency_stop_at is not None
        figures.append((sim.stats.emergency_stop_at - t0) * 1000)
        await _until(lambda: app.manager.runner is None)
        await asyncio.to_thread(_drive, app, "button", False)
        await asyncio.sleep(0.05)
        await app.services.control.set_power(OWNER, True)
        await app.services.control.reset(OWNER)
        await _until(lambda: app.services.link.state is LinkState.READY)
    return figures


async def runout_to_parked(app: Appliance, sim: VirtualPrinter, work: Path) -> tuple[list[float], list[float]]:
    """Seconds from the runout edge to the job paused, and to the head at the park position."""
    paused: list[float] = []
    parked: list[float] = []
    park = (app.config.jobs.park_x, app.config.jobs.park_y)
    for _ in range(REPEATS):
        await _print(app, work)
        runner = app.manager.runner
        assert runner is not None
        t0 = await asyncio.to_thread(_drive, app, "runout", True)
        await _until(lambda: (sim.position["x"], sim.position["y"]) == park)
        parked.append(time.monotonic() - t0)
        await _until(lambda r=runner: r.phase is RunPhase.PAUSED)  # type: ignore[misc]
        paused.append(time.monotonic() - t0)
        await asyncio.to_thread(_drive, app, "runout", False)
        await asyncio.sleep(0.05)
        assert app.manager.current is not None
        await app.services.control.cancel(OWNER, app.manager.current.id)
        await _until(lambda: app.manager.runner is None)
    await asyncio.sleep(0.5)  # the last cancel is recorded before the appliance stops
    return paused, parked


def _summary(values: list[float], digits: int = 2) -> dict[str, float]:
    return {
        "min": round(min(values), digits),
        "median": round(statistics.median(values), digits),
        "max": round(max(values), digits),
    }


async def main() -> dict[str, object]:
    """Both figures, on the built-in virtual printer (real time) with the mock pin factory."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        app = Appliance(load_config(env=_env(work / "data")))
        await app.start()
        sim = app.simulator
        assert sim is not None
        try:
            await _until(lambda: app.services.link.state is LinkState.READY)
            estop = await button_to_m112(app, sim, work)
            paused, parked = await runout_to_parked(app, sim, work)
        finally:
            await app.stop()
    return {
        "repeats": REPEATS,
        "button_edge_to_m112_ms": _summary(estop),
        "button_target_ms": 50,
        "runout_edge_to_paused_s": _summary(paused, 3),
        "runout_edge_to_parked_s": _summary(parked, 3),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), indent=2))

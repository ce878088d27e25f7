"""Text to G-code: wall time of research, CAD and slicing, and planner underruns while a big model slices. JSON."""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_link import run_on
from bench.common import curves_file
from edge.agents.local import LocalAgents
from edge.agents.worker import SLICE, run_stage
from edge.config.schema import AppConfig

Figures = dict[str, object]
PROMPTS = {"cube_20mm": "a 20 mm cube", "gear_20_teeth": "a spur gear with 20 teeth, module 1.5, 6 mm thick"}
RUNS = 3


async def text_to_gcode(agents: LocalAgents, text: str, work: Path) -> Figures:
    """One request from text to sliced G-code: each stage's wall time."""
    t0 = time.monotonic()
    spec = await agents.research(text, {})
    t1 = time.monotonic()
    mesh = await agents.build(spec, work / "part.stl", lambda _f, _m: None)
    t2 = time.monotonic()
    sliced = await agents.slice(work / "part.stl", work / "part.gcode", {}, lambda _f, _m: None)
    t3 = time.monotonic()
    return {
        "research_s": t1 - t0,
        "cad_s": t2 - t1,
        "slice_s": t3 - t2,
        "total_s": t3 - t0,
        "triangles": mesh["triangles"],
        "layers": sliced["layers"],
    }


async def wall_times(work: Path) -> Figures:
    """Median of RUNS for each prompt (through the worker processes, as the appliance runs them)."""
    config = AppConfig()
    agents = LocalAgents(config.agents, config.printer.machine, config.printer.max_line_length)
    out: Figures = {}
    for name, text in PROMPTS.items():
        runs = [await text_to_gcode(agents, text, work) for _ in range(RUNS)]
        figures: Figures = {
            key: round(statistics.median(float(str(run[key])) for run in runs), 3)
            for key in ("research_s", "cad_s", "slice_s", "total_s")
        }
        out[name] = figures | {"triangles": runs[0]["triangles"], "layers": runs[0]["layers"], "runs": RUNS}
    return out


def big_model(path: Path) -> int:
    """A 60 mm sphere of about 200,000 triangles, written by a subprocess (no numpy in this process)."""
    code = (
        "import sys, trimesh\n"
        "m = trimesh.creation.uv_sphere(radius=30, count=[224, 224])\n"
        "m.apply_translation((110, 105, 30))\n"
        "m.export(sys.argv[1])\n"
        "print(len(m.faces))\n"
    )
    import subprocess

    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    return int(done.stdout.strip())


async def underruns_while_slicing(work: Path, lines: int = 5000) -> Figures:
    """Curves streamed in real time at 250000 baud while the worker slices a 200,000-triangle model."""
    config = AppConfig()
    model = work / "sphere.stl"
    triangles = big_model(model)
    request = {
        "model": str(model),
        "out": str(work / "sphere.gcode"),
        "printer": config.agents.printer_profile,
        "material": "PLA",
        "quality": "standard",
        "timeout_s": 600.0,
    }
    t0 = time.monotonic()
    slicing = asyncio.ensure_future(run_stage(SLICE, request, timeout_s=660, nice=config.agents.worker_nice))
    await asyncio.sleep(1.0)  # PrusaSlicer is loading the model and slicing by the time the print starts
    gcode = curves_file(work / "curves.gcode", lines)
    printed = await run_on(work, "slicing", gcode, lines + 3, baud=250000, time_scale=1.0)
    overlap = not slicing.done()
    sliced = await slicing
    return {
        "model_triangles": triangles,
        "slice_s": round(time.monotonic() - t0, 2),
        "slice_still_running_when_print_ended": overlap,
        "slice_layers": sliced["layers"],
        "print": printed,
    }


async def main() -> Figures:
    """Every pipeline benchmark."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        return {
            "text_to_gcode": await wall_times(work),
            "underruns_while_slicing": await underruns_while_slicing(work),
        }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), indent=2))

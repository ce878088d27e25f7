"""Slicing through the worker: wall time for a 20 mm cube and a 200,000-triangle sphere, and peak memory. Prints JSON."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import psutil
import trimesh

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from edge.agents.worker import SLICE, run_stage

# A UV sphere of 224 x 224 segments has 198,912 triangles.
SPHERE_SEGMENTS = 224
SAMPLE_S = 0.02


async def slice_once(model: Path, out: Path) -> dict[str, object]:
    """One slice in the worker, with the peak RSS of the worker and of PrusaSlicer sampled while it runs."""
    peaks = {"worker": 0, "prusa-slicer": 0}

    async def sample() -> None:
        me = psutil.Process()
        while True:
            for child in me.children(recursive=True):
                try:
                    kind = "prusa-slicer" if child.exe().endswith("/prusa-slicer") else "worker"
                    peaks[kind] = max(peaks[kind], child.memory_info().rss)
                except psutil.Error:
                    pass
            await asyncio.sleep(SAMPLE_S)

    sampler = asyncio.create_task(sample())
    started = time.monotonic()
    try:
        result = await run_stage(SLICE, {"model": str(model), "out": str(out)}, timeout_s=600, nice=10)
    finally:
        sampler.cancel()
    return {
        "wall_s": round(time.monotonic() - started, 2),
        "layers": result["layers"],
        "gcode_mb": round(int(str(result["bytes"])) / 1e6, 1),
        "worker_peak_rss_mb": round(peaks["worker"] / 1e6, 1),
        "prusa_slicer_peak_rss_mb": round(peaks["prusa-slicer"] / 1e6, 1),
    }


async def main() -> dict[str, object]:
    """Both models, standard quality, generic Marlin printer, PLA."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        cube = trimesh.creation.box((20, 20, 20))
        sphere = trimesh.creation.uv_sphere(radius=30, count=[SPHERE_SEGMENTS, SPHERE_SEGMENTS])
        figures: dict[str, object] = {}
        for name, mesh in (("cube_20mm", cube), ("sphere_60mm", sphere)):
            mesh.apply_translation((0, 0, -mesh.bounds[0][2]))
            mesh.export(work / f"{name}.stl")
            figures[name] = {
                "triangles": len(mesh.faces),
                **await slice_once(work / f"{name}.stl", work / f"{name}.gcode"),
            }
        return figures


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), indent=2))

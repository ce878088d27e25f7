"""API under load while a print streams: requests per second, and what the load costs the printer link. JSON."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_service import free_port
from bench.common import ROOT, SimulatorProcess, curves_file
from edge.app import Appliance
from edge.config.loader import load_config
from edge.control.caller import Caller, CallerKind

PATHS = ["/api/v1/status", "/api/printer"]


async def stream_once(work: Path, name: str, lines: int, *, load_s: float, rate: float = 0.0) -> dict[str, object]:
    """Print a curves file with instant moves (the wire is the limit) through the API; with load_s, under HTTP load.

    Four clients per path; each sends `rate` requests per second, or as many as it can when rate is 0.
    """
    sim = SimulatorProcess(work, baud=250000, latency_ms=2.0, time_scale=0.0, advanced_ok=True, name=name)
    port = free_port()
    config = load_config(
        env={
            "PRINTEDGE_DEVICE__DATA_DIR": str(work / f"{name}-data"),
            "PRINTEDGE_PRINTER__PORT": str(sim.link),
            "PRINTEDGE_API__PORT": str(port),
            "PRINTEDGE_API__HOST": "127.0.0.1",
            "PRINTEDGE_LOG_LEVEL": "WARNING",
        }
    )
    app = Appliance(config)
    await app.start()
    key, _ = await app.web.auth.keys.create("bench", Caller(CallerKind.CLI, "bench"))
    base = f"http://127.0.0.1:{port}"
    load = None
    try:
        gcode = curves_file(work / f"{name}.gcode", lines)
        async with aiohttp.ClientSession(base_url=base, headers={"X-Api-Key": key}) as session:
            for _ in range(300):
                async with session.get("/api/v1/printer") as r:
                    if (await r.json())["state"] == "ready":
                        break
                await asyncio.sleep(0.1)
            form = aiohttp.FormData()
            form.add_field("file", gcode.read_bytes(), filename=f"{name}.gcode")
            stored = await (await session.post("/api/v1/files", data=form)).json()
            if load_s:
                load = await asyncio.create_subprocess_exec(
                    sys.executable, str(ROOT / "bench" / "http_load.py"), base, key, str(load_s), "4", str(rate), *PATHS,
                    stdout=asyncio.subprocess.PIPE,
                )  # fmt: skip
                await asyncio.sleep(0.5)
            stats = app.services.link.stats
            bytes0 = stats.bytes_acked
            t0 = time.monotonic()
            job = await (await session.post("/api/v1/jobs", json={"file_id": stored["id"]})).json()
            state = ""
            while state not in ("completed", "failed", "cancelled", "interrupted"):
                await asyncio.sleep(0.2)
                async with session.get(f"/api/v1/jobs/{job['id']}") as r:
                    state = (await r.json())["state"]
            elapsed = time.monotonic() - t0
            if state != "completed":
                raise RuntimeError(f"the benchmark print ended {state}")
            utilization = (stats.bytes_acked - bytes0) / elapsed / 25000
            load_figures = json.loads(await load.stdout.readline()) if load is not None and load.stdout else None
    finally:
        await app.stop()
        sim.stop()
        if load is not None and load.returncode is None:
            load.kill()
            await load.wait()
    return {"seconds": round(elapsed, 2), "utilization": round(utilization, 4), "http": load_figures}


async def main(lines: int = 8000) -> dict[str, object]:
    """The same print without HTTP load, under 10 requests per second per client (80 in all), and flat out."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        quiet = await stream_once(work, "quiet", lines, load_s=0)
        seconds = float(str(quiet["seconds"]))
        polled = await stream_once(work, "polled", lines, load_s=seconds, rate=10.0)
        flat_out = await stream_once(work, "flat_out", lines, load_s=seconds)

    def ratio(run: dict[str, object]) -> float:
        return round(float(str(run["utilization"])) / float(str(quiet["utilization"])), 3)

    return {
        "without_load": quiet,
        "polled_80_per_s": polled | {"utilization_ratio": ratio(polled)},
        "flat_out": flat_out | {"utilization_ratio": ratio(flat_out)},
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), indent=2))

"""Soak: one long print through `printedge run` on a noisy link, with WebSocket clients and a polling panel.

Watches what a short benchmark cannot see: memory that grows with every line, a loop that slows as history
piles up, counters that drift. Prints JSON. SOAK_LINES sets the file's length (default 400,000).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_service import free_port
from bench.common import PRINTEDGE, ROOT, SimulatorProcess

LINES = int(os.environ.get("SOAK_LINES", "400000"))
SAMPLE_S = 5.0
WS_CLIENTS = 10


def soak_file(path: Path, lines: int) -> Path:
    """Short moves with extrusion, a layer change every 2,000 lines (progress and recovery points move on)."""
    out = ["G28", "G90", "M83", "G1 Z0.2 F600"]
    for i in range(lines):
        if i % 2000 == 0:
            out += [";LAYER_CHANGE", f";Z:{0.2 + i // 2000 * 0.2:.1f}", f"G1 Z{0.2 + i // 2000 * 0.2:.1f}"]
        out.append(f"G1 X{50 + (i * 37) % 1000 / 10:.1f} Y{50 + (i * 91) % 1000 / 10:.1f} E0.0{i % 9 + 1}")
    path.write_text("\n".join(out) + "\n")
    return path


def api_key(env: dict[str, str]) -> str:
    """An API key made with the CLI on the data directory before the service starts."""
    done = subprocess.run(
        [*PRINTEDGE, "auth", "key", "create", "soak"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.splitlines()[0].strip()


async def main() -> dict[str, object]:
    """Print LINES lines; sample the service's memory, CPU and the API's answer time every SAMPLE_S."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # Unpaced, so the soak is about lines, not hours; 0.1% of bytes damaged each way keeps resends going.
        sim = SimulatorProcess(
            work, baud=0, latency_ms=0.0, time_scale=0.0, name="soak", extra=("--fault-rate", "0.001")
        )
        port = free_port()
        env = dict(
            os.environ,
            PRINTEDGE_DEVICE__DATA_DIR=str(work / "data"),
            PRINTEDGE_PRINTER__PORT=str(sim.link),
            PRINTEDGE_API__PORT=str(port),
            PRINTEDGE_DISCOVERY__ENABLED="false",
            PRINTEDGE_LOG_LEVEL="WARNING",
        )
        key = await asyncio.to_thread(api_key, env)
        log = (work / "service.log").open("wb")
        service = await asyncio.create_subprocess_exec(
            *PRINTEDGE, "run", cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log
        )
        proc = psutil.Process(service.pid)
        base = f"http://127.0.0.1:{port}"
        samples: list[dict[str, float]] = []
        ws = None
        try:
            async with aiohttp.ClientSession(headers={"X-Api-Key": key}) as http:
                await _until_printer_ready(http, base)
                gcode = await asyncio.to_thread(soak_file, work / "soak.gcode", LINES)
                form = aiohttp.FormData()
                form.add_field("file", gcode.open("rb"), filename="soak.gcode")
                async with http.post(f"{base}/api/v1/files", data=form) as r:
                    stored = await r.json()
                ws = await asyncio.create_subprocess_exec(
                    sys.executable, str(ROOT / "bench" / "ws_clients.py"), f"ws://127.0.0.1:{port}/api/v1/ws",
                    str(WS_CLIENTS), "100000", key, stdout=asyncio.subprocess.PIPE,
                )  # fmt: skip
                async with http.post(f"{base}/api/v1/jobs", json={"file_id": stored["id"]}) as r:
                    job = await r.json()
                t0, cpu0 = time.monotonic(), proc.cpu_times()
                job = await _follow(http, base, job["id"], proc, samples, t0)
                elapsed, cpu1 = time.monotonic() - t0, proc.cpu_times()
                async with http.get(f"{base}/api/v1/printer") as r:
                    printer = await r.json()
        finally:
            if ws is not None and ws.returncode is None:
                ws.kill()
                await ws.wait()
            service.terminate()
            await asyncio.wait_for(service.wait(), 60)
            sim_stats = sim.stop()
            log.close()
            logged = (work / "service.log").read_text(errors="replace").splitlines()
            (work / "service.log").replace(Path(tempfile.gettempdir()) / "printedge-soak-service.log")
    warnings, errors = (sum(f" {level} " in line for line in logged) for level in ("WARNING", "ERROR"))
    first_errors = [line for line in logged if " ERROR " in line][:5]
    rss = [s["rss_mb"] for s in samples]
    api_ms = sorted(s["api_ms"] for s in samples)
    first_half, second_half = rss[: len(rss) // 2], rss[len(rss) // 2 :]
    cpu = (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)
    return {
        "lines": LINES,
        "job_state": job["state"],
        "minutes": round(elapsed / 60, 1),
        "lines_per_s": round(LINES / elapsed, 1),
        "service_cpu_s_per_10k_lines": round(cpu / LINES * 10_000, 3),
        "rss_mb": {"first": rss[0], "max": max(rss), "last": rss[-1], "samples": len(rss)},
        # A leak shows as a second half above the first; noise is a few hundred kB either way.
        "rss_growth_mb_second_half_vs_first": round(max(second_half) - max(first_half), 2) if first_half else 0.0,
        "api_status_ms": {"median": api_ms[len(api_ms) // 2], "max": api_ms[-1]},
        "service_log": {"warnings": warnings, "errors": errors, "first_errors": first_errors},  # kept in /tmp
        "link_stats": printer.get("stats"),
        "simulator": {k: sim_stats.get(k) for k in ("commands_executed", "rx_overflows", "line_errors")},
    }


async def _until_printer_ready(http: aiohttp.ClientSession, base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            async with http.get(f"{base}/api/v1/printer") as r:
                if r.status == 200 and (await r.json())["state"] == "ready":
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("the service's printer was not ready within 60 s")


async def _follow(
    http: aiohttp.ClientSession,
    base: str,
    job_id: int,
    proc: psutil.Process,
    samples: list[dict[str, float]],
    t0: float,
) -> dict[str, object]:
    """Poll the job like a panel would (1 Hz), sampling every SAMPLE_S, until it ends."""
    next_sample = 0.0
    while True:
        started = time.monotonic()
        async with http.get(f"{base}/api/v1/status") as r:
            await r.read()
        api_ms = (time.monotonic() - started) * 1000
        async with http.get(f"{base}/api/v1/jobs/{job_id}") as r:
            job: dict[str, object] = await r.json()
        now = time.monotonic() - t0
        if now >= next_sample:
            rss = proc.memory_info().rss / 2**20
            samples.append({"at_s": round(now, 1), "rss_mb": round(rss, 1), "api_ms": round(api_ms, 2)})
            next_sample += SAMPLE_S
        if job["state"] in ("completed", "failed", "cancelled", "interrupted"):
            return job
        await asyncio.sleep(1.0)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), indent=2))

"""Service benchmarks: start-up time and memory, event-loop stalls with 100 WebSocket clients, e-stop latency."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import PRINTEDGE, ROOT, SimulatorProcess, curves_file
from edge.app import Appliance
from edge.config.loader import load_config
from edge.control.caller import Caller, CallerKind


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def startup_and_memory(work: Path) -> dict[str, float]:
    """Time from `printedge run` to /health answering, and its resident memory once ready."""
    port = free_port()
    env = dict(os.environ, PRINTEDGE_DEVICE__DATA_DIR=str(work / "run-data"), PRINTEDGE_API__PORT=str(port))
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [*PRINTEDGE, "run"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        import urllib.request

        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.01)
            if time.monotonic() - t0 > 30:
                raise RuntimeError("printedge run did not answer within 30 s")
        ready = time.monotonic() - t0
        time.sleep(1.0)
        rss = psutil.Process(proc.pid).memory_info().rss
        return {"start_to_api_s": round(ready, 3), "rss_mb_when_ready": round(rss / 2**20, 1)}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def _until_ready(session: aiohttp.ClientSession, base: str) -> None:
    for _ in range(300):
        async with session.get(f"{base}/api/v1/printer") as r:
            if (await r.json())["state"] == "ready":
                return
        await asyncio.sleep(0.1)
    raise RuntimeError("printer link did not become ready")


async def _loop_monitor(samples: list[float], stop: asyncio.Event) -> None:
    interval = 0.005
    while not stop.is_set():
        t = time.perf_counter()
        await asyncio.sleep(interval)
        samples.append(time.perf_counter() - t - interval)


async def service_under_load(work: Path, clients: int = 100) -> dict[str, object]:
    """Stream a curves file through the API with WebSocket clients attached; then emergency-stop it."""
    sim = SimulatorProcess(work, baud=250000, latency_ms=2.0, time_scale=1.0, advanced_ok=True, name="svc")
    port = free_port()
    config = load_config(
        env={
            "PRINTEDGE_DEVICE__DATA_DIR": str(work / "svc-data"),
            "PRINTEDGE_PRINTER__PORT": str(sim.link),
            "PRINTEDGE_API__PORT": str(port),
            "PRINTEDGE_LOG_LEVEL": "WARNING",
        }
    )
    app = Appliance(config)
    await app.start()
    key, _ = await app.web.auth.keys.create("bench", Caller(CallerKind.CLI, "bench"))
    base = f"http://127.0.0.1:{port}"
    ws_proc = None
    samples: list[float] = []
    stop = asyncio.Event()
    try:
        gcode = curves_file(work / "svc.gcode", 20000)
        async with aiohttp.ClientSession(headers={"X-Api-Key": key}) as session:
            await _until_ready(session, base)
            form = aiohttp.FormData()
            form.add_field("file", gcode.read_bytes(), filename="svc.gcode")
            stored = await (await session.post(f"{base}/api/v1/files", data=form)).json()
            ws_proc = await asyncio.create_subprocess_exec(
                sys.executable,
                str(ROOT / "bench" / "ws_clients.py"),
                f"ws://127.0.0.1:{port}/api/v1/ws",
                str(clients),
                "12",
                key,
                stdout=asyncio.subprocess.PIPE,
            )
            await asyncio.sleep(2.0)
            job = await (await session.post(f"{base}/api/v1/jobs", json={"file_id": stored["id"]})).json()
            monitor = asyncio.create_task(_loop_monitor(samples, stop))
            await asyncio.sleep(10.0)
            async with session.get(f"{base}/api/v1/status") as r:
                progress = (await r.json())["jobs"]["progress"]
            in_flight = app.services.link.in_flight
            t0 = time.monotonic()
            async with session.post(f"{base}/api/v1/printer/emergency-stop") as r:
                await r.read()
            api_returned = time.monotonic() - t0
            stop.set()
            await monitor
            ws_line = await asyncio.wait_for(ws_proc.stdout.readline(), 30) if ws_proc.stdout else b"{}"
            await asyncio.sleep(0.5)
    finally:
        await app.stop()
        sim_stats = sim.stop()
        if ws_proc is not None and ws_proc.returncode is None:
            ws_proc.kill()
            await ws_proc.wait()
    estop_at = sim_stats.get("emergency_stop_at")
    latency_ms = round((float(str(estop_at)) - t0) * 1000, 2) if estop_at is not None else None
    return {
        "websocket_clients": json.loads(ws_line or b"{}"),
        "job_id": job["id"],
        "lines_done_before_estop": progress["lines_done"],
        "max_loop_stall_ms": round(max(samples) * 1000, 2),
        "p99_loop_stall_ms": round(sorted(samples)[int(len(samples) * 0.99)] * 1000, 2),
        "estop_api_to_m112_at_printer_ms": latency_ms,
        "estop_api_round_trip_ms": round(api_returned * 1000, 2),
        "lines_in_flight_at_estop": in_flight,
        "planner_underruns": sim_stats.get("underruns"),
    }


async def main() -> dict[str, object]:
    """Run the service benchmarks."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        return {"startup": startup_and_memory(work), "service_under_load": await service_under_load(work)}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), indent=2))

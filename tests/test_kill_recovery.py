"""Power cuts at random moments: the recovery point is never ahead of what the printer finished, and at most
its planner's depth behind.

The virtual printer runs in this process, so the moment the service is killed its state can be read exactly:
the last line it had completely finished. Then it is reset, as a power cut resets a printer.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from edge.printer.simulator import SimulatorSettings, VirtualPrinter
from tests.test_crash_recovery import free_port, wait_ready
from tests.web.web_helpers import provision_api_key

MOVES = 3000
PLANNER = 16  # the simulator's planner_buffer (Marlin BLOCK_BUFFER_SIZE)


def unique_moves(path: Path) -> list[str]:
    """A spiral of short moves, no two lines alike (so a line's text tells where it is in the file)."""
    lines = ["G28", "G90", "M83", "G1 Z0.3 F600", "G1 X120 Y100 F12000"]
    for i in range(MOVES):
        radius = 20 + i * 0.01
        angle = i * 0.025
        lines.append(f"G1 X{100 + radius * math.cos(angle):.3f} Y{100 + radius * math.sin(angle):.3f} E0.02 F1200")
    path.write_text("\n".join(lines) + "\n")
    return lines


async def start_service(data: Path, port: int, printer: str, log: Path) -> asyncio.subprocess.Process:
    env = dict(
        os.environ,
        PRINTEDGE_DEVICE__DATA_DIR=str(data),
        PRINTEDGE_API__PORT=str(port),
        PRINTEDGE_PRINTER__PORT=printer,
        PRINTEDGE_JOBS__RECOVERY_INTERVAL_S="60",  # only the journal can keep up: the database point is old
    )
    with log.open("ab") as handle:
        return await asyncio.create_subprocess_exec(sys.executable, "-m", "edge.cli", "run", env=env, stderr=handle)


@pytest.mark.slow
async def test_recovery_points_at_random_kills_are_never_ahead_and_at_most_a_planner_behind(tmp_path: Path) -> None:
    gcode = tmp_path / "spiral.gcode"
    lines = unique_moves(gcode)
    # The spiral's moves, each unique: the resume preamble's own lines (M83, G1 Z..) must not be mistaken for them.
    index_of = {text: i for i, text in enumerate(lines) if "E0.02" in text}
    printer = VirtualPrinter(SimulatorSettings(baud=250000, latency_ms=2.0, time_scale=1.0, seed=9))
    await printer.start(tmp_path / "printer")
    rng = random.Random(2026)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "service.log"
    service: asyncio.subprocess.Process | None = None
    results = []
    since = 0
    known_done = -1
    try:
        async with aiohttp.ClientSession(headers=await provision_api_key(tmp_path / "data")) as api:
            job_id = None
            for cut in range(3):
                service = await start_service(tmp_path / "data", port, printer.port, log)
                await wait_ready(api, base)
                if job_id is None:
                    form = aiohttp.FormData()
                    form.add_field("file", gcode.read_bytes(), filename=gcode.name)
                    async with api.post(f"{base}/api/v1/files", data=form) as r:
                        file_id = (await r.json())["id"]
                    async with api.post(f"{base}/api/v1/jobs", json={"file_id": file_id}) as r:
                        job_id = (await r.json())["id"]
                else:
                    confirm = {"part_attached": True, "nozzle_clear": True}
                    async with api.post(f"{base}/api/v1/jobs/{job_id}/resume", json=confirm) as r:
                        assert r.status == 200, await r.text()
                # A resume first heats, homes X and Y and travels back (about 5 s here); cut during the moves after.
                await asyncio.sleep(rng.uniform(3.0, 6.0) + (5.0 if cut else 0.0))
                # The power cut: the service dies; what the printer had finished at that instant is the truth.
                service.send_signal(signal.SIGKILL)
                finished = printer.finished_through()
                # Line numbers start again with each connection: only this connection's lines count.
                ran = list(printer.executed)[since:]
                executed = {e.number: e.command for e in ran if e.number is not None}
                printer.reset()
                since = len(printer.executed)
                await asyncio.wait_for(service.wait(), 10)
                service = await start_service(tmp_path / "data", port, printer.port, log)
                await wait_ready(api, base)
                async with api.get(f"{base}/api/v1/jobs/{job_id}") as r:
                    job = await r.json()
                service.send_signal(signal.SIGTERM)
                await asyncio.wait_for(service.wait(), 40)
                service = None
                assert job["state"] == "interrupted", job
                point = job["recovery"]
                # Nothing of the file finished on this connection (still in the resume preamble): then what
                # had finished is what the last recovery point said.
                finished_line = max(
                    (index_of[executed[n]] for n in executed if n <= finished and executed[n] in index_of),
                    default=known_done,
                )
                results.append((cut, point["line_index"], finished_line))
                known_done = point["line_index"]
                assert point["line_index"] <= finished_line, "the recovery point is ahead of the printer"
                assert finished_line - point["line_index"] <= PLANNER, "more than a planner's depth behind"
    finally:
        if service is not None and service.returncode is None:
            service.kill()
            await service.wait()
        await printer.stop()
    print(f"\n(cut, recovery line, printer finished line): {results}")

"""SIGTERM while the printer heats: the wait is broken, the head parked, the job recorded, each step logged."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import aiohttp

from tests.test_crash_recovery import free_port, print_file, start_simulator, stop_all, wait_ready
from tests.web.web_helpers import provision_api_key

# systemd/printedge.service gives a stop this long before it kills; the stop must end well within it.
TIMEOUT_STOP_SEC = 45


async def start_logged_service(data: Path, port: int, printer: Path, log: Path) -> asyncio.subprocess.Process:
    env = dict(
        os.environ,
        PRINTEDGE_DEVICE__DATA_DIR=str(data),
        PRINTEDGE_API__PORT=str(port),
        PRINTEDGE_PRINTER__PORT=str(printer),
    )
    handle = log.open("ab")
    try:
        return await asyncio.create_subprocess_exec(sys.executable, "-m", "edge.cli", "run", env=env, stderr=handle)
    finally:
        handle.close()


async def test_sigterm_while_heating_breaks_the_wait_parks_and_records_the_job_interrupted(tmp_path: Path) -> None:
    gcode = tmp_path / "heat.gcode"
    gcode.write_text("G28\nG90\nM83\nG1 Z5 F600\nM104 S215\nM109 S215\nG1 X20 Y20 E1 F1200\nG1 X40 Y20 E1\n")
    printer, executed_log = tmp_path / "printer", tmp_path / "executed.log"
    sim = await start_simulator(printer, executed_log, "1")  # real heating: M109 takes about a minute
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    service_log = tmp_path / "service.log"
    service = None
    try:
        headers = await provision_api_key(tmp_path / "data")
        service = await start_logged_service(tmp_path / "data", port, printer, service_log)
        async with aiohttp.ClientSession(headers=headers) as session:
            await wait_ready(session, base)
            job_id = await print_file(session, base, gcode)
            for _ in range(200):
                async with session.get(f"{base}/api/v1/printer") as r:
                    temps = (await r.json())["temperatures"]
                if temps["hotend_target"] == 215:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.0)  # well inside M109
            stopping = time.monotonic()
            service.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(service.wait(), TIMEOUT_STOP_SEC)
            took = time.monotonic() - stopping
            service = await start_logged_service(tmp_path / "data", port, printer, service_log)
            await wait_ready(session, base)
            async with session.get(f"{base}/api/v1/jobs/{job_id}") as r:
                job = await r.json()
    finally:
        await stop_all(service, sim)
    assert code == 0
    assert took < 15, f"the stop took {took:.1f} s"
    assert job["state"] == "interrupted"
    assert "service stop" in job["detail"] and "heating the hotend (M109 S215)" in job["detail"]
    assert "can be resumed" in job["detail"]
    logged = service_log.read_text()
    for step in (
        "stopping: job 1 is printing",
        "while heating the hotend (M109 S215)",
        "M108 sent to end the wait",
        "the printer finished its moves",
        "parked (retract, lift, move away)",
        "hotend heater off",
    ):
        assert step in logged, step
    ran = [line.split(" ", 1)[1].split("\t")[0] for line in executed_log.read_text().splitlines()]
    ran = ran[: len(ran) - ran[::-1].index("M110 N0") - 1]  # before the restarted service's handshake
    assert "M108" in ran, "the wait was broken"
    assert ran[-1] == "M104 S0" and "G1 X0 Y200 F3000" in ran[-3:], "parked, then the hotend off"
    assert "G1 X40 Y20 E1" not in ran, "nothing of the job ran after the stop began"

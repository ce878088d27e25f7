"""Crash and shutdown: SIGKILL mid-print leaves a fresh recovery point; SIGTERM parks the head first."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from edge.gcode.text import strip_comment
from tests.gcode_files import layered_file
from tests.web.web_helpers import provision_api_key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start_service(data: Path, port: int, printer: Path) -> asyncio.subprocess.Process:
    env = dict(
        os.environ,
        PRINTEDGE_DEVICE__DATA_DIR=str(data),
        PRINTEDGE_API__PORT=str(port),
        PRINTEDGE_PRINTER__PORT=str(printer),
        PRINTEDGE_JOBS__RECOVERY_INTERVAL_S="60",
    )
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "edge.cli", "run", env=env, stderr=asyncio.subprocess.DEVNULL
    )


async def wait_ready(session: aiohttp.ClientSession, base: str) -> None:
    for _ in range(300):
        try:
            async with session.get(f"{base}/api/v1/printer") as r:
                if r.status == 200 and (await r.json())["state"] == "ready":
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("service did not become ready")


async def start_simulator(printer: Path, log: Path, time_scale: str) -> asyncio.subprocess.Process:
    sim = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "edge.cli", "simulate", "--link", str(printer), "--baud", "250000"],
        *["--time-scale", time_scale, "--advanced-ok", "--executed-log", str(log)],
        stdout=asyncio.subprocess.DEVNULL,
    )
    for _ in range(200):
        if await asyncio.to_thread(printer.exists):
            break
        await asyncio.sleep(0.05)
    return sim


async def print_file(session: aiohttp.ClientSession, base: str, gcode: Path) -> int:
    """Upload the file, start a job of it, return the job's id."""
    form = aiohttp.FormData()
    form.add_field("file", await asyncio.to_thread(gcode.read_bytes), filename=gcode.name)
    async with session.post(f"{base}/api/v1/files", data=form) as r:
        assert r.status == 201, await r.text()
        file_id = (await r.json())["id"]
    async with session.post(f"{base}/api/v1/jobs", json={"file_id": file_id}) as r:
        return int((await r.json())["id"])


async def until_layer(session: aiohttp.ClientSession, base: str, layer: int) -> None:
    for _ in range(1200):
        async with session.get(f"{base}/api/v1/status") as r:
            progress = (await r.json())["jobs"]["progress"]
        if progress and progress["layer"] >= layer:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the job never reached layer {layer}")


async def stop_all(service: asyncio.subprocess.Process | None, sim: asyncio.subprocess.Process) -> None:
    if service is not None and service.returncode is None:
        service.terminate()
        await asyncio.wait_for(service.wait(), 30)
    sim.send_signal(signal.SIGTERM)
    await asyncio.wait_for(sim.wait(), 30)


@pytest.mark.slow
async def test_sigkill_mid_print_leaves_an_interrupted_job_with_a_recovery_point_from_this_layer(
    tmp_path: Path,
) -> None:
    gcode = tmp_path / "layers.gcode"
    starts = layered_file(gcode, 12, 30, feedrate=2400)
    printer, log = tmp_path / "printer", tmp_path / "executed.log"
    sim = await start_simulator(printer, log, "1")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    service = None
    try:
        headers = await provision_api_key(tmp_path / "data")
        service = await start_service(tmp_path / "data", port, printer)
        async with aiohttp.ClientSession(headers=headers) as session:
            await wait_ready(session, base)
            job_id = await print_file(session, base, gcode)
            # Kill in the middle of layer 4: well after its layer change, well before the next.
            await until_layer(session, base, 4)
            await asyncio.sleep(0.6)
            service.send_signal(signal.SIGKILL)
            await asyncio.wait_for(service.wait(), 10)
            await asyncio.sleep(0.5)
            executed = [ln for ln in log.read_text().splitlines() if ln.split(" ", 1)[0] != "-"]

            service = await start_service(tmp_path / "data", port, printer)
            await wait_ready(session, base)
            async with session.get(f"{base}/api/v1/jobs/{job_id}") as r:
                job = await r.json()
    finally:
        await stop_all(service, sim)
    assert job["state"] == "interrupted"
    assert "interrupted at line" in job["detail"]
    recovery = job["recovery"]
    assert recovery is not None
    # The layer of the last line the printer executed before the kill:
    commands = [c for c in (strip_comment(x) for x in gcode.read_text().splitlines())]
    last_command = executed[-1].split(" ", 1)[1].split("\t")[0]
    last_index = max(i for i, c in enumerate(commands) if c == last_command)
    printer_layer = sum(1 for s in starts if s <= last_index)
    assert recovery["layer"] == printer_layer
    assert recovery["line_index"] >= starts[printer_layer - 1]
    assert recovery["z"] == pytest.approx(0.2 * printer_layer)


@pytest.mark.slow
async def test_sigterm_mid_print_parks_the_head_and_keeps_the_job_resumable(tmp_path: Path) -> None:
    gcode = tmp_path / "layers.gcode"
    layered_file(gcode, 8, 30, feedrate=2400)
    printer, log = tmp_path / "printer", tmp_path / "executed.log"
    sim = await start_simulator(printer, log, "0.2")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    service = None
    try:
        headers = await provision_api_key(tmp_path / "data")
        service = await start_service(tmp_path / "data", port, printer)
        async with aiohttp.ClientSession(headers=headers) as session:
            await wait_ready(session, base)
            job_id = await print_file(session, base, gcode)
            await until_layer(session, base, 2)
            service.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(service.wait(), 40) == 0
            await asyncio.sleep(0.6)
            executed = log.read_text().splitlines()
            service = await start_service(tmp_path / "data", port, printer)
            await wait_ready(session, base)
            async with session.get(f"{base}/api/v1/jobs/{job_id}") as r:
                job = await r.json()
            async with session.get(f"{base}/api/v1/status") as r:
                queue = (await r.json())["jobs"]
    finally:
        await stop_all(service, sim)
    commands = [line.split(" ", 1)[1] for line in executed if not line.startswith("-")]
    # The stop parked the head last (retract, lift, move away), then turned the hotend off.
    assert commands[-7:] == ["M83", "G1 E-2 F2400", "G91", "G1 Z10 F600", "G90", "G1 X0 Y200 F3000", "M104 S0"]
    assert job["state"] == "interrupted"
    assert job["recovery"] is not None and job["recovery"]["layer"] >= 2
    assert queue["awaiting_bed_clear"] is True

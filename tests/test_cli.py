"""The `printedge` command as a user runs it: real processes, real pseudo-terminals."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import time
from pathlib import Path

import aiohttp

from tests.web.web_helpers import provision_api_key

DATA = Path(__file__).resolve().parent / "data"


async def printedge(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "edge.cli", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_config_check_accepts_a_good_file(tmp_path: Path) -> None:
    f = tmp_path / "ok.yaml"
    f.write_text("printer:\n  baud: 115200\n")
    code, out, _ = await printedge("config", "check", str(f))
    assert code == 0 and "OK" in out


async def test_config_check_names_a_typo_and_fails(tmp_path: Path) -> None:
    f = tmp_path / "typo.yaml"
    f.write_text("printer:\n  bauds: 115200\n")
    code, _, err = await printedge("config", "check", str(f))
    assert code == 1
    assert "printer.bauds: unknown key" in err


async def test_print_to_a_port_that_does_not_exist_fails_clearly(tmp_path: Path) -> None:
    code, _, err = await printedge("print", str(DATA / "cube.gcode"), "--port", str(tmp_path / "ttyUSB9"))
    assert code == 1
    assert "ttyUSB9" in err and "no such device" in err


async def test_print_of_an_empty_file_is_refused_before_connecting(tmp_path: Path) -> None:
    empty = tmp_path / "empty.gcode"
    empty.write_text("")
    code, _, err = await printedge("print", str(empty), "--port", str(tmp_path / "nothing"))
    assert code == 2
    assert "empty.gcode" in err and "rejected" in err


async def test_print_with_a_bad_window_value_names_it(tmp_path: Path) -> None:
    code, _, err = await printedge("print", str(DATA / "cube.gcode"), "--port", "x", "--window", "wide")
    assert code == 1 and "printer.window" in err


async def test_print_streams_a_file_to_the_simulator_and_exits_zero(tmp_path: Path) -> None:
    link = tmp_path / "printer"
    sim = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "edge.cli", "simulate", "--link", str(link), "--baud", "250000"],
        *["--time-scale", "0.001", "--advanced-ok", "--executed-log", str(tmp_path / "log")],
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            if link.exists():
                break
            await asyncio.sleep(0.05)
        code, out, err = await printedge("print", str(DATA / "cube.gcode"), "--port", str(link))
    finally:
        sim.send_signal(signal.SIGTERM)
        await asyncio.wait_for(sim.wait(), 30)
    assert code == 0, err
    assert "printed cube.gcode: 44 lines in" in out
    executed = (tmp_path / "log").read_text().splitlines()
    assert executed[-1].endswith("M400")


async def test_print_json_reports_the_link_statistics_of_the_job(tmp_path: Path) -> None:
    link = tmp_path / "printer"
    sim = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "edge.cli", "simulate", "--link", str(link), "--baud", "250000"],
        *["--time-scale", "0.001", "--advanced-ok", "--fault-rate", "0.002", "--seed", "5"],
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            if link.exists():
                break
            await asyncio.sleep(0.05)
        code, out, err = await printedge("print", str(DATA / "cube.gcode"), "--port", str(link), "--json")
    finally:
        sim.send_signal(signal.SIGTERM)
        await asyncio.wait_for(sim.wait(), 30)
    assert code == 0, err
    report = json.loads(out)
    assert report["result"] == "completed" and report["lines"] == 44
    assert report["firmware"]["dialect"] == "marlin" and report["firmware"]["advanced_ok"] is True
    job = report["job"]
    for counter in ("lines_acked", "bytes_acked", "retransmissions", "line_errors", "fallbacks", "probes"):
        assert isinstance(job[counter], int), counter
    assert {"timeouts", "fragments", "fragment_reports"} <= set(job)
    assert job["lines_acked"] >= 45  # the file's 44 commands and the final M400
    assert report["connection"]["lines_acked"] >= job["lines_acked"]


async def test_status_without_a_service_says_so(tmp_path: Path) -> None:
    code, _, err = await printedge("status", "--url", "http://127.0.0.1:9")
    assert code == 1 and "no PrintEdge service answers" in err


async def test_ports_lists_what_port_detection_finds() -> None:
    from edge.printer.transport import candidate_ports

    code, out, err = await printedge("ports")
    found = candidate_ports()
    assert out.split() == found
    assert code == (0 if found else 1)
    if not found:
        assert "no USB serial port found" in err


async def test_a_second_run_on_the_same_data_directory_is_refused_and_the_first_keeps_running(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = dict(os.environ, PRINTEDGE_DEVICE__DATA_DIR=str(data), PRINTEDGE_API__PORT="0")
    headers = await provision_api_key(data)
    first_log = tmp_path / "first.log"
    with first_log.open("wb") as log:
        first = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "edge.cli", "run", env=env, stdout=asyncio.subprocess.DEVNULL, stderr=log
        )
    try:
        url = ""
        for _ in range(600):
            found = re.search(r"API listening on (http://\S+)", first_log.read_text())
            if found:
                url = found.group(1)
                break
            assert first.returncode is None, first_log.read_text()
            await asyncio.sleep(0.05)
        assert url, first_log.read_text()
        began = time.monotonic()
        second = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "edge.cli",
            "run",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(second.communicate(), 30)
        assert second.returncode == 1
        assert time.monotonic() - began < 15
        assert (
            err.decode()
            .strip()
            .endswith(f"printedge: another printedge (pid {first.pid}) is using data directory {data}; stop it first")
        )
        assert first.returncode is None
        async with (
            aiohttp.ClientSession(headers=headers) as session,
            session.get(f"{url}/api/v1/status") as response,
        ):
            assert response.status == 200
    finally:
        first.terminate()
        await asyncio.wait_for(first.wait(), 60)
    assert first.returncode == 0

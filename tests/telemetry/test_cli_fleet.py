"""`printedge fleet keygen | send | watch` against a real mosquitto and a real appliance."""

from __future__ import annotations

import asyncio
import json
import stat
import sys
from pathlib import Path

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from edge.cli import main
from edge.cli_fleet import COMMANDS
from edge.telemetry.actions import ACTIONS
from edge.telemetry.signing import OperatorKey, parse_trusted_line, verify
from tests.telemetry.conftest import fleet_of
from tests.telemetry.fleet_helpers import audit_entries, executed, signed
from tests.telemetry.mqtt_bridge import connected, serve_commands
from tests.web.conftest import started

ROOT = Path(__file__).resolve().parents[2]


async def printedge(*args: str) -> tuple[int, str, str]:
    """Run the printedge CLI in a subprocess; its exit code, stdout and stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "edge.cli",
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(30):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def keygen(tmp_path: Path, key_id: str, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    """Make a key with the CLI; its file and the printed trusted-keys line."""
    assert main(["fleet", "keygen", "--out", str(tmp_path / "keys"), "--id", key_id]) == 0
    return tmp_path / "keys" / f"{key_id}.key", capsys.readouterr().out.strip()


def test_the_cli_knows_every_command_a_device_knows() -> None:
    assert sorted(COMMANDS) == sorted(ACTIONS)


def test_keygen_writes_a_private_key_only_its_owner_reads_and_prints_a_usable_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, line = keygen(tmp_path, "ops-laptop", capsys)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key_id, public = parse_trusted_line(line, "test")
    assert key_id == "ops-laptop"
    assert (tmp_path / "keys" / "ops-laptop.pub").read_text().strip() == line
    loaded = OperatorKey.load(path)
    signed = loaded.sign({"v": 1, "device": "*", "command": "pause", "args": {}, "ts": 1, "nonce": "ab" * 16})
    assert signed["key"] == "ops-laptop" and verify(signed, str(signed["sig"]), public)


def test_keygen_never_overwrites_a_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keygen(tmp_path, "ops", capsys)
    assert main(["fleet", "keygen", "--out", str(tmp_path / "keys"), "--id", "ops"]) == 1
    assert "already exists" in capsys.readouterr().err


async def test_send_signs_a_command_that_a_device_runs_and_prints_its_answer(
    tmp_path: Path, broker_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file, line = keygen(tmp_path, "ops-cli", capsys)
    data_dir = tmp_path / "data"
    app = await started(data_dir, FLEET__TRUSTED_KEYS=json.dumps([line]))
    try:
        fleet = await fleet_of(app, data_dir)
        async with serve_commands(broker_url, fleet.commands) as results:
            code, out, err = await printedge(
                "fleet", "send", fleet.device_id, "gcode", "command=M117 from the cli",
                "--key", str(key_file), "--broker", broker_url,
            )  # fmt: skip
            assert (code, err) == (0, ""), out
            assert out == f"{fleet.device_id}: ok: gcode: done\n"
            assert results[0].topic.startswith("printedge/operator/") and results[0].correlation_data
            code, out, _ = await printedge(
                "fleet", "send", "*", "pause", "--key", str(key_file), "--broker", broker_url, "--wait", "2", "--json"
            )
            assert code == 1 and json.loads(out)["error"] == "no_job_running"
        assert executed(app).count("M117 from the cli") == 1
        entry = [e for e in await audit_entries(app) if e["action"] == "send_gcode"][-1]
        assert (entry["caller_kind"], entry["caller_name"], entry["result"]) == ("mqtt", "ops-cli", "ok")
    finally:
        await app.stop()


async def test_send_with_an_untrusted_key_exits_1_with_the_reason(
    tmp_path: Path, broker_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file, _ = keygen(tmp_path, "stranger", capsys)
    data_dir = tmp_path / "data"
    app = await started(data_dir)
    try:
        fleet = await fleet_of(app, data_dir)
        async with serve_commands(broker_url, fleet.commands):
            code, out, _ = await printedge(
                "fleet", "send", fleet.device_id, "pause", "--key", str(key_file), "--broker", broker_url
            )
        assert code == 1 and out.startswith(f"{fleet.device_id}: refused: unknown_key:")
    finally:
        await app.stop()


async def test_send_to_a_device_that_does_not_answer_exits_2(
    tmp_path: Path, broker_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file, _ = keygen(tmp_path, "ops", capsys)
    code, _, err = await printedge(
        "fleet", "send", "pe-nobodyhome", "pause", "--key", str(key_file), "--broker", broker_url, "--wait", "0.5"
    )
    assert code == 2 and "no answer from pe-nobodyhome within 0.5 s" in err


async def test_send_to_a_broker_that_is_not_there_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key_file, _ = keygen(tmp_path, "ops", capsys)
    code, _, err = await printedge(
        "fleet", "send", "pe-x12", "pause", "--key", str(key_file), "--broker", "mqtt://127.0.0.1:1"
    )
    assert code == 2 and "cannot reach the broker at mqtt://127.0.0.1:1" in err


async def test_watch_once_shows_a_device_from_its_retained_messages(broker_url: str) -> None:
    state = {
        "schema": "printedge.state/1",
        "printer": {
            "state": "ready",
            "temperatures": {"hotend": 205.2, "hotend_target": 210, "bed": 60, "bed_target": 60},
        },
        "job": {"id": 7, "state": "printing", "progress": 42.0, "layer": 3, "eta_s": 600},
        "link": {"state": "ready", "healthy": True},
    }
    with connected(broker_url, "device-pe-watched1") as client:
        for topic, payload in (
            ("printedge/pe-watched1/status", b"online"),
            ("printedge/pe-watched1/state", json.dumps(state).encode()),
            ("printedge/pe-watched1/health", json.dumps({"warnings": ["SoC throttled"]}).encode()),
            ("printedge/pe-gone0001/status", b"offline"),
        ):
            client.publish(topic, payload, qos=1, retain=True).wait_for_publish(5)
    code, out, err = await printedge("fleet", "watch", "--once", "--collect", "1", "--broker", broker_url)
    assert code == 0, err
    header, *rows = out.splitlines()
    assert header.split()[:3] == ["DEVICE", "NAME", "ONLINE"]
    watched = next(row for row in rows if row.startswith("pe-watched1"))
    for shown in ("online", "ready", "#7 printing", "42.0%", "205/210", "60/60", "SoC throttled"):
        assert shown in watched, (shown, watched)
    assert "offline" in next(row for row in rows if row.startswith("pe-gone0001"))


async def test_the_answer_carries_the_correlation_data_back(
    tmp_path: Path, broker_url: str, operator: OperatorKey
) -> None:
    data_dir = tmp_path / "data"
    app = await started(data_dir, FLEET__TRUSTED_KEYS=json.dumps([operator.trusted_line()]))
    try:
        fleet = await fleet_of(app, data_dir)
        answers: asyncio.Queue[tuple[str, bytes | None]] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        async with serve_commands(broker_url, fleet.commands):
            with connected(broker_url, "operator-test") as client:
                client.on_message = lambda _c, _u, m: loop.call_soon_threadsafe(
                    answers.put_nowait, (m.topic, getattr(m.properties, "CorrelationData", None))
                )
                client.subscribe("printedge/operator/t1/result", qos=1)
                await asyncio.sleep(0.2)
                properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
                properties.ResponseTopic = "printedge/operator/t1/result"
                properties.CorrelationData = b"req-1"
                payload = signed(operator, fleet.device_id, "bed_clear")
                client.publish(f"printedge/{fleet.device_id}/cmd", payload, qos=1, properties=properties)
                topic, correlation = await asyncio.wait_for(answers.get(), 10)
        assert (topic, correlation) == ("printedge/operator/t1/result", b"req-1")
    finally:
        await app.stop()

"""Fleet commands through a real PrinterControl: every bad message refused with its reason, good ones run once."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from pathlib import Path

import pytest

from edge.telemetry.commands import FLEET_CMD_TOPIC, default_result_topic, device_cmd_topic
from edge.telemetry.signing import OperatorKey
from tests.telemetry.conftest import Fleet, fleet_of, fleet_overrides
from tests.telemetry.fleet_helpers import (
    answer,
    audit_entries,
    envelope,
    executed,
    refusal,
    signed,
    slow_file_id,
    wait_for_job_state,
)
from tests.web.conftest import started


async def refused_with(fleet: Fleet, payload: bytes, topic: str | None = None) -> str:
    """Send a message that must be refused; its reason. Nothing may reach the printer or the audit log as done."""
    before = await audit_entries(fleet.app)
    result = await fleet.commands.handle(topic or device_cmd_topic(fleet.device_id), payload, {})
    after = await audit_entries(fleet.app)
    assert all(entry["result"] != "ok" for entry in after[len(before) :]), after
    return refusal(result)


async def test_malformed_json_is_refused(fleet: Fleet) -> None:
    assert await refused_with(fleet, b"{not json") == "malformed"
    assert await refused_with(fleet, b"[1, 2]") == "malformed"
    assert await refused_with(fleet, b"\xff\xfe") == "malformed"


async def test_missing_fields_are_named(fleet: Fleet) -> None:
    body = envelope(fleet.device_id, "pause")
    del body["nonce"], body["ts"]
    result = await fleet.commands.handle(device_cmd_topic(fleet.device_id), json.dumps(body).encode(), {})
    assert refusal(result) == "missing_field"
    assert "ts, nonce" in answer(result)["message"]


async def test_a_field_of_the_wrong_kind_is_named(fleet: Fleet, operator: OperatorKey) -> None:
    result = await fleet.commands.handle(
        device_cmd_topic(fleet.device_id), signed(operator, fleet.device_id, "pause", nonce="short"), {}
    )
    assert refusal(result) == "malformed" and "'nonce'" in answer(result)["message"]


async def test_an_unsigned_command_is_refused(fleet: Fleet) -> None:
    payload = json.dumps(envelope(fleet.device_id, "gcode", {"command": "M117 unsigned"})).encode()
    assert await refused_with(fleet, payload) == "unsigned"
    assert "M117 unsigned" not in executed(fleet.app)


async def test_a_command_signed_by_an_unknown_key_is_refused(fleet: Fleet) -> None:
    stranger = OperatorKey.generate("stranger")
    assert await refused_with(fleet, signed(stranger, fleet.device_id, "pause")) == "unknown_key"


async def test_a_key_with_a_trusted_id_but_another_secret_fails_the_signature(fleet: Fleet) -> None:
    impostor = OperatorKey.generate("ops")
    assert await refused_with(fleet, signed(impostor, fleet.device_id, "pause")) == "bad_signature"


async def test_a_tampered_command_fails_the_signature(fleet: Fleet, operator: OperatorKey) -> None:
    body = json.loads(signed(operator, fleet.device_id, "gcode", {"command": "M117 signed"}))
    body["args"]["command"] = "M117 tampered"
    assert await refused_with(fleet, json.dumps(body).encode()) == "bad_signature"
    body = json.loads(signed(operator, fleet.device_id, "pause"))
    body["sig"] = base64.b64encode(b"x" * 64).decode()
    assert await refused_with(fleet, json.dumps(body).encode()) == "bad_signature"
    body["sig"] = "not base64!"
    assert await refused_with(fleet, json.dumps(body).encode()) == "bad_signature"
    assert "M117 tampered" not in executed(fleet.app)


async def test_a_stale_command_is_refused(fleet: Fleet, operator: OperatorKey) -> None:
    old = int(time.time()) - 120
    result = await fleet.commands.handle(
        device_cmd_topic(fleet.device_id), signed(operator, fleet.device_id, "pause", ts=old), {}
    )
    assert refusal(result) == "stale" and "at most 60 s" in answer(result)["message"]


async def test_a_command_from_the_future_is_refused(fleet: Fleet, operator: OperatorKey) -> None:
    ahead = int(time.time()) + 300
    assert await refused_with(fleet, signed(operator, fleet.device_id, "pause", ts=ahead)) == "future"


async def test_the_same_message_twice_runs_once(fleet: Fleet, operator: OperatorKey) -> None:
    payload = signed(operator, fleet.device_id, "gcode", {"command": "M117 once"})
    first = await fleet.commands.handle(device_cmd_topic(fleet.device_id), payload, {})
    assert first.ok and answer(first)["result"] == {"acknowledged": 1}
    assert await refused_with(fleet, payload) == "replayed"
    assert executed(fleet.app).count("M117 once") == 1


async def test_concurrent_duplicate_deliveries_run_once(fleet: Fleet, operator: OperatorKey) -> None:
    payload = signed(operator, fleet.device_id, "gcode", {"command": "M117 racing"})
    topic = device_cmd_topic(fleet.device_id)
    results = await asyncio.gather(*(fleet.commands.handle(topic, payload, {}) for _ in range(5)))
    assert sum(result.ok for result in results) == 1
    assert sorted(result.error or "" for result in results) == ["", "replayed", "replayed", "replayed", "replayed"]
    assert executed(fleet.app).count("M117 racing") == 1


async def test_a_replay_after_a_restart_is_refused(tmp_path: Path, operator: OperatorKey) -> None:
    data_dir = tmp_path / "data"
    payload = signed(operator, "placeholder", "gcode", {"command": "M117 before restart"})
    app = await started(data_dir, **fleet_overrides(operator))
    try:
        fleet = await fleet_of(app, data_dir)
        payload = signed(operator, fleet.device_id, "gcode", {"command": "M117 before restart"})
        assert (await fleet.commands.handle(device_cmd_topic(fleet.device_id), payload, {})).ok
    finally:
        await app.stop()
    app = await started(data_dir, **fleet_overrides(operator))
    try:
        fleet = await fleet_of(app, data_dir)
        assert await refused_with(fleet, payload) == "replayed"
        assert "M117 before restart" not in executed(app)
    finally:
        await app.stop()


async def test_a_command_for_another_device_is_refused(fleet: Fleet, operator: OperatorKey) -> None:
    assert await refused_with(fleet, signed(operator, "pe-someoneelse", "pause")) == "wrong_device"
    # A fleet-wide command must come on the fleet topic, and one for this device on its own topic.
    assert await refused_with(fleet, signed(operator, "*", "pause")) == "wrong_device"
    assert await refused_with(fleet, signed(operator, fleet.device_id, "pause"), FLEET_CMD_TOPIC) == "wrong_device"


async def test_an_unknown_command_is_refused(fleet: Fleet, operator: OperatorKey) -> None:
    result = await fleet.commands.handle(
        device_cmd_topic(fleet.device_id), signed(operator, fleet.device_id, "self_destruct"), {}
    )
    assert refusal(result) == "unknown_command" and "'self_destruct'" in answer(result)["message"]


@pytest.mark.parametrize(
    ("command", "args", "named"),
    [
        ("pause", {"job_id": "seven"}, "'seven'"),
        ("pause", {"job_id": 0}, "job_id"),
        ("pause", {"job": 1}, "'job'"),
        ("resume", {"job_id": 1, "nozzle_clear": "yes"}, "'yes'"),
        ("start", {}, "file_id"),
        ("start", {"file_id": True}, "True"),
        ("gcode", {}, "exactly one of"),
        ("gcode", {"commands": "G28"}, "'G28'"),
        ("gcode", {"command": "G28\nG1 X5"}, "G28\\nG1 X5"),
        ("emergency_stop", {"reason": 7}, "reason"),
    ],
)
async def test_bad_arguments_are_refused_naming_the_value(
    fleet: Fleet, operator: OperatorKey, command: str, args: dict[str, object], named: str
) -> None:
    result = await fleet.commands.handle(
        device_cmd_topic(fleet.device_id), signed(operator, fleet.device_id, command, args), {}
    )
    assert refusal(result) == "bad_args"
    assert named in answer(result)["message"]


async def test_pause_without_a_running_job_says_so(fleet: Fleet, operator: OperatorKey) -> None:
    assert await refused_with(fleet, signed(operator, fleet.device_id, "pause")) == "no_job_running"


async def test_refusals_of_a_trusted_key_are_audited(fleet: Fleet, operator: OperatorKey) -> None:
    await fleet.commands.handle(
        device_cmd_topic(fleet.device_id), signed(operator, fleet.device_id, "pause", ts=int(time.time()) - 600), {}
    )
    entry = (await audit_entries(fleet.app))[-1]
    assert (entry["caller_kind"], entry["caller_name"], entry["action"], entry["result"]) == (
        "mqtt",
        "ops",
        "pause",
        "refused",
    )


async def test_start_pause_resume_cancel_run_once_each_as_mqtt(
    fleet: Fleet, operator: OperatorKey, tmp_path: Path
) -> None:
    topic = device_cmd_topic(fleet.device_id)
    file_id = await slow_file_id(fleet.app, tmp_path)
    started_job = await fleet.commands.handle(
        topic, signed(operator, fleet.device_id, "start", {"file_id": file_id}), {}
    )
    assert started_job.ok, started_job.payload
    job_id = answer(started_job)["result"]["id"]
    await wait_for_job_state(fleet.app, job_id, "printing")
    for command, state in (("pause", "paused"), ("resume", "printing")):
        payload = signed(operator, fleet.device_id, command)
        result = await fleet.commands.handle(topic, payload, {})
        assert result.ok, result.payload
        await wait_for_job_state(fleet.app, job_id, state)
        assert refusal(await fleet.commands.handle(topic, payload, {})) == "replayed"
    result = await fleet.commands.handle(topic, signed(operator, fleet.device_id, "cancel", {"job_id": job_id}), {})
    assert result.ok, result.payload
    await wait_for_job_state(fleet.app, job_id, "cancelled")
    done = [e for e in await audit_entries(fleet.app) if e["result"] == "ok" and e["caller_kind"] == "mqtt"]
    assert [(e["action"], e["caller_name"]) for e in done] == [
        ("start_job", "ops"),
        ("pause", "ops"),
        ("resume", "ops"),
        ("cancel", "ops"),
    ]


async def test_a_failed_command_is_answered_not_refused(fleet: Fleet, operator: OperatorKey) -> None:
    result = await fleet.commands.handle(
        device_cmd_topic(fleet.device_id), signed(operator, fleet.device_id, "cancel", {"job_id": 999}), {}
    )
    body = answer(result)
    assert not result.ok and not result.refused
    assert body["error"] == "not_found" and "999" in body["message"]


async def test_a_fleet_wide_command_runs_on_the_fleet_topic(fleet: Fleet, operator: OperatorKey) -> None:
    result = await fleet.commands.handle(FLEET_CMD_TOPIC, signed(operator, "*", "gcode", {"command": "M117 all"}), {})
    assert result.ok and answer(result)["device"] == fleet.device_id
    assert executed(fleet.app).count("M117 all") == 1


async def test_emergency_stop_is_sent_and_audited(fleet: Fleet, operator: OperatorKey) -> None:
    payload = signed(operator, fleet.device_id, "emergency_stop", {"reason": "smoke seen on camera"})
    result = await fleet.commands.handle(device_cmd_topic(fleet.device_id), payload, {})
    assert result.ok and "path" in answer(result)["result"]
    entry = (await audit_entries(fleet.app))[-1]
    assert (entry["action"], entry["caller_kind"], entry["detail"]) == (
        "emergency_stop",
        "mqtt",
        "smoke seen on camera",
    )


async def test_the_answer_goes_to_the_response_topic_with_the_correlation_data(
    fleet: Fleet, operator: OperatorKey
) -> None:
    properties = {"ResponseTopic": "printedge/operator/abc/result", "CorrelationData": b"\x01corr"}
    payload = signed(operator, fleet.device_id, "gcode", {"command": "M117 answer"})
    result = await fleet.commands.handle(device_cmd_topic(fleet.device_id), payload, properties)
    assert result.topic == "printedge/operator/abc/result"
    assert result.publish_properties() == {"CorrelationData": b"\x01corr"}
    assert answer(result)["nonce"] == json.loads(payload)["nonce"]


@pytest.mark.parametrize(
    "bad", ["printedge/+/result", "printedge/fleet/cmd", "$SYS/x", "homeassistant/device/x/config"]
)
async def test_a_response_topic_onto_commands_or_wildcards_is_ignored(fleet: Fleet, bad: str) -> None:
    result = await fleet.commands.handle(device_cmd_topic(fleet.device_id), b"junk", {"ResponseTopic": bad})
    assert result.topic == default_result_topic(fleet.device_id)
    assert result.correlation_data is None and result.publish_properties() == {}

"""Manual commands, the safety filter, emergency stop and reset through the API."""

from __future__ import annotations

import time

import aiohttp

from edge.app import Appliance
from tests.web.web_helpers import error_of, get_json, wait_for_printer


def executed(appliance: Appliance) -> list[str]:
    """Commands the virtual printer executed."""
    assert appliance.simulator is not None
    return [line.command for line in appliance.simulator.executed]


async def test_one_command_is_acknowledged_before_the_answer(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    async with ready_api.post("/api/v1/printer/command", json={"command": "G28"}) as response:
        body = await response.json()
    assert response.status == 200, body
    assert body == {"ok": True, "sent": 1}
    assert "G28" in executed(appliance)


async def test_a_list_of_commands_is_sent_in_order(appliance: Appliance, ready_api: aiohttp.ClientSession) -> None:
    commands = ["G90", "G1 X5 Y5 F3000", "M400"]
    async with ready_api.post("/api/v1/printer/command", json={"commands": commands}) as response:
        body = await response.json()
    assert response.status == 200, body
    assert body["sent"] == 3
    ran = executed(appliance)
    assert [ran.index(command) for command in commands] == sorted(ran.index(command) for command in commands)


async def test_temperature_over_the_limit_is_400_and_never_reaches_the_printer(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    async with ready_api.post("/api/v1/printer/command", json={"commands": ["G28", "M104 S400"]}) as response:
        body = await error_of(response)
    assert response.status == 400
    assert body["error"] == "temperature_limit"
    assert "M104 S400" in body["message"] and "285" in body["message"]
    ran = executed(appliance)
    assert not any(command.startswith("M104") for command in ran)
    # One refused command refuses the whole batch.
    assert "G28" not in ran


async def test_command_too_long_is_400(ready_api: aiohttp.ClientSession) -> None:
    async with ready_api.post("/api/v1/printer/command", json={"command": "M117 " + "x" * 200}) as response:
        body = await error_of(response)
    assert response.status == 400
    assert body["error"] == "command_too_long"


async def test_command_body_errors_name_the_field(api: aiohttp.ClientSession) -> None:
    cases = [
        ({}, '"command"'),
        ({"command": 28}, "28"),
        ({"command": "  "}, '"command"'),
        ({"commands": "G28"}, "'G28'"),
        ({"commands": []}, '"commands"'),
        ({"commands": ["G28", 5]}, "commands[1]"),
        ({"command": "G28", "commands": ["G28"]}, "not both"),
    ]
    for payload, named in cases:
        async with api.post("/api/v1/printer/command", json=payload) as response:
            body = await error_of(response)
        assert response.status == 400, payload
        assert named in body["message"], (payload, body)


async def test_emergency_stop_returns_at_once_and_halts_the_link(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    started = time.monotonic()
    async with ready_api.post("/api/v1/printer/emergency-stop") as response:
        body = await response.json()
    elapsed = time.monotonic() - started
    assert response.status == 200 and body["ok"] is True
    assert body["path"] == "emergency_parser" and body["dtr_reset"] is False
    assert elapsed < 0.5
    printer = await get_json(ready_api, "/api/v1/printer")
    assert printer["state"] == "halted"
    async with ready_api.post("/api/v1/printer/command", json={"command": "G28"}) as response:
        refused = await error_of(response)
    assert response.status == 409
    assert refused["error"] == "printer_not_ready"
    assert "halted" in refused["message"]


async def test_reset_after_an_emergency_stop_makes_the_printer_ready_again(
    ready_api: aiohttp.ClientSession,
) -> None:
    async with ready_api.post("/api/v1/printer/emergency-stop") as response:
        assert response.status == 200
    await wait_for_printer(ready_api, "halted")
    async with ready_api.post("/api/v1/printer/reset") as response:
        assert response.status == 200, await response.text()
    await wait_for_printer(ready_api, "ready")
    async with ready_api.post("/api/v1/printer/command", json={"command": "M105"}) as response:
        assert response.status == 200

"""/api/printer through OctoPrint clients: state, temperatures, tool and bed, G-code; refusals change nothing."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from pyoctoprintapi.exceptions import PrinterOffline

from edge.app import Appliance
from tests.web.octoprint.octo_helpers import client_for, executed, refused, wait_until_executed
from tests.web.web_helpers import get_json, slow_print, start_job, upload, wait_for_progress


async def printing(api: aiohttp.ClientSession) -> int:
    stored = await upload(api, "slow.gcode", slow_print())
    job = await start_job(api, stored["id"])
    await wait_for_progress(api, job["id"], 20)
    return int(job["id"])


async def test_printer_info_through_the_home_assistant_client(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    client = client_for(appliance, ready_api)
    await client.set_bed_temperature(50)
    await client.set_tool_temperature("tool0", 200)
    info = None
    for _ in range(100):
        info = await client.get_printer_info()
        targets = {temp.name: temp.target_temp for temp in info.temperatures}
        if targets == {"tool0": 200, "bed": 50}:
            break
        await asyncio.sleep(0.05)
    assert info is not None
    assert {temp.name: temp.target_temp for temp in info.temperatures} == {"tool0": 200, "bed": 50}
    assert all(temp.offset == 0 and temp.actual_temp is not None for temp in info.temperatures)
    assert info.has_heated_bed
    assert info.state.text == "Operational"
    flags = info.state.flags
    assert flags.operational and flags.ready and not flags.printing and not flags.paused
    assert not flags.error and not flags.closed_or_error and not flags.sd_ready
    assert "M140 S50" in executed(appliance) and "M104 S200" in executed(appliance)


async def test_printer_state_while_printing_and_paused(appliance: Appliance, ready_api: aiohttp.ClientSession) -> None:
    job_id = await printing(ready_api)
    state = (await get_json(ready_api, "/api/printer"))["state"]
    assert state["text"] == "Printing"
    assert state["flags"]["printing"] and state["flags"]["operational"] and not state["flags"]["ready"]
    async with ready_api.post(f"/api/v1/jobs/{job_id}/pause") as response:
        assert response.status == 200
    for _ in range(200):
        state = (await get_json(ready_api, "/api/printer"))["state"]
        if state["text"] == "Paused":
            break
        assert state["text"] in ("Printing", "Pausing")
        await asyncio.sleep(0.05)
    assert state["flags"]["paused"] and not state["flags"]["printing"]


async def test_exclude_and_history_shape_the_answer(ready_api: aiohttp.ClientSession) -> None:
    assert set(await get_json(ready_api, "/api/printer?exclude=temperature")) == {"state"}
    assert set(await get_json(ready_api, "/api/printer?exclude=state,sd")) == {"temperature"}
    for _ in range(100):
        temperature = (await get_json(ready_api, "/api/printer?history=true&limit=5"))["temperature"]
        if temperature["history"]:
            break
        await asyncio.sleep(0.05)
    history = temperature["history"]
    assert 1 <= len(history) <= 5
    assert set(history[-1]) == {"time", "tool0", "bed"} and set(history[-1]["tool0"]) == {"actual", "target"}
    assert "history" not in (await get_json(ready_api, "/api/printer"))["temperature"]


async def test_printer_that_is_not_operational_is_409_and_the_client_sees_it_offline(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    async with ready_api.post("/api/v1/printer/emergency-stop") as response:
        assert response.status == 200
    before = len(executed(appliance))
    with pytest.raises(PrinterOffline):
        await client_for(appliance, ready_api).get_printer_info()
    for path, body in (
        ("/api/printer/command", {"command": "M105"}),
        ("/api/printer/tool", {"command": "target", "targets": {"tool0": 200}}),
        ("/api/printer/bed", {"command": "target", "target": 60}),
        ("/api/job", {"command": "start"}),
    ):
        async with ready_api.post(path, json=body) as response:
            assert "not operational" in (await refused(response, 409))["message"]
    assert len(executed(appliance)) == before


async def test_commands_run_on_the_printer_in_order_and_answer_204(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    async with ready_api.post("/api/printer/command", json={"commands": ["G28", "G1 X12 Y7 F3000"]}) as response:
        assert response.status == 204
    ran = executed(appliance)
    assert ran.index("G28") < ran.index("G1 X12 Y7 F3000")
    async with ready_api.post("/api/printer/command", json={"command": "M117 hello"}) as response:
        assert response.status == 204
    assert "M117 hello" in executed(appliance)
    entries = await get_json(ready_api, "/api/v1/audit?action=send_gcode&limit=2")
    assert [entry["detail"] for entry in entries] == ["M117 hello", "G28; G1 X12 Y7 F3000"]


async def test_a_temperature_over_the_limit_is_400_naming_the_value_and_nothing_is_sent(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    before = executed(appliance)
    async with ready_api.post("/api/printer/tool", json={"command": "target", "targets": {"tool0": 300}}) as response:
        body = await refused(response, 400)
    assert body["error"] == "temperature_limit" and "300" in body["message"] and "285" in body["message"]
    async with ready_api.post("/api/printer/bed", json={"command": "target", "target": 150}) as response:
        body = await refused(response, 400)
    assert "150" in body["message"] and "120" in body["message"]
    async with ready_api.post("/api/printer/command", json={"commands": ["M105", "M104 S400"]}) as response:
        body = await refused(response, 400)
    assert "400" in body["message"]
    await asyncio.sleep(0.2)
    assert not [c for c in executed(appliance)[len(before) :] if c.startswith(("M104", "M140"))]


async def test_malformed_json_and_unknown_commands_are_400(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    before = len(executed(appliance))
    for path in ("/api/printer/command", "/api/printer/tool", "/api/printer/bed", "/api/job", "/api/connection"):
        async with ready_api.post(
            path, data=b'{"command": "target", ', headers={"Content-Type": "application/json"}
        ) as r:
            assert "not valid JSON" in (await refused(r, 400))["message"]
    async with ready_api.post("/api/printer/tool", json={"command": "melt"}) as response:
        body = await refused(response, 400)
    assert "'melt'" in body["message"] and "extrude" in body["message"]
    async with ready_api.post("/api/printer/tool", json={"command": "target", "targets": {"tool1": 200}}) as response:
        assert "'tool1'" in (await refused(response, 400))["message"]
    async with ready_api.post("/api/printer/tool", json={"command": "target"}) as response:
        assert "targets" in (await refused(response, 400))["message"]
    async with ready_api.post("/api/printer/bed", json={"command": "offset", "offset": 5}) as response:
        assert (await refused(response, 400))["error"] == "not_supported"
    assert len(executed(appliance)) == before


async def test_extrude_and_tool_select_when_idle(appliance: Appliance, ready_api: aiohttp.ClientSession) -> None:
    async with ready_api.post("/api/printer/tool", json={"command": "select", "tool": "tool0"}) as response:
        assert response.status == 204
    async with ready_api.post("/api/printer/tool", json={"command": "extrude", "amount": 5}) as response:
        assert response.status == 204
    await wait_until_executed(appliance, "G1 E5 F300")
    ran = executed(appliance)
    assert "T0" in ran and ran.index("G91") < ran.index("G1 E5 F300")


async def test_extrude_while_printing_is_refused_by_the_policy_with_409(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    await printing(ready_api)
    async with ready_api.post("/api/printer/tool", json={"command": "extrude", "amount": 5}) as response:
        body = await refused(response, 409)
    assert "printing" in body["message"] and "5 mm" in body["message"]
    assert "G1 E5 F300" not in executed(appliance)
    entries = await get_json(ready_api, "/api/v1/audit?action=send_gcode&limit=1")
    assert entries[0]["result"] == "refused"

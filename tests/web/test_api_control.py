"""The control surface through the API: policy while a job runs, the audit log, reset and host actions."""

from __future__ import annotations

import asyncio

import aiohttp

from edge.app import Appliance
from tests.web.web_helpers import (
    error_of,
    get_json,
    slow_print,
    start_job,
    upload,
    wait_for_job,
    wait_for_printer,
    wait_for_progress,
)


def executed(appliance: Appliance) -> list[str]:
    assert appliance.simulator is not None
    return [line.command for line in appliance.simulator.executed]


async def printing_job(api: aiohttp.ClientSession) -> int:
    stored = await upload(api, "slow.gcode", slow_print())
    job = await start_job(api, stored["id"])
    await wait_for_progress(api, job["id"], 20)
    return int(job["id"])


async def send(api: aiohttp.ClientSession, *commands: str) -> aiohttp.ClientResponse:
    async with api.post("/api/v1/printer/command", json={"commands": list(commands)}) as response:
        await response.read()
        return response


async def test_manual_motion_and_extrusion_are_refused_while_a_job_prints(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    await printing_job(ready_api)
    for command in ("G1 X10 Y10", "G1 E5", "G28", "G92 E0", "M83", "T1"):
        async with ready_api.post("/api/v1/printer/command", json={"command": command}) as response:
            body = await error_of(response)
        assert response.status == 400, body
        assert body["error"] == "command_not_allowed"
        assert repr(command) in body["message"] and "while a job is printing" in body["message"]
        assert "M220" in body["message"], "the refusal says what is allowed"
    assert not any(c in executed(appliance) for c in ("G1 X10 Y10", "G1 E5", "G92 E0", "T1"))


async def test_fan_speed_flow_and_temperatures_are_allowed_while_printing_and_followed(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    job_id = await printing_job(ready_api)
    response = await send(ready_api, "M106 S128", "M220 S90", "M221 S95", "M104 S205")
    assert response.status == 200
    ran = executed(appliance)
    assert all(command in ran for command in ("M106 S128", "M220 S90", "M221 S95", "M104 S205"))
    runner = appliance.manager.runner
    assert runner is not None and runner.job_id == job_id
    for _ in range(200):
        if runner.machine.hotend_target == 205:
            break
        await asyncio.sleep(0.02)
    # The recovery point follows what a person changed, so a resume restores it.
    point = runner.recovery_point()
    assert (point.fan, point.feedrate_pct, point.flow_pct, point.hotend_target) == (128, 90, 95, 205)


async def test_a_batch_with_one_refused_command_sends_none(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    await printing_job(ready_api)
    before = len(executed(appliance))
    async with ready_api.post("/api/v1/printer/command", json={"commands": ["M106 S1", "G1 X1"]}) as response:
        body = await error_of(response)
    assert response.status == 400 and "G1 X1" in body["message"]
    assert "M106 S1" not in executed(appliance)[before:]


async def test_a_temperature_over_the_limit_is_refused_while_printing_too(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    await printing_job(ready_api)
    async with ready_api.post("/api/v1/printer/command", json={"command": "M104 S400"}) as response:
        body = await error_of(response)
    assert response.status == 400 and body["error"] == "temperature_limit"
    assert "400" in body["message"] and "285" in body["message"]


async def test_while_paused_the_head_may_move_but_not_home_or_change_coordinates(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    job_id = await printing_job(ready_api)
    async with ready_api.post(f"/api/v1/jobs/{job_id}/pause") as response:
        assert response.status == 200
    await wait_for_job(ready_api, job_id, "paused")
    assert (await send(ready_api, "G91", "G1 Z5", "G90")).status == 200
    for command in ("G28", "G92 X0"):
        async with ready_api.post("/api/v1/printer/command", json={"command": command}) as response:
            body = await error_of(response)
        assert response.status == 400 and "while a job is paused" in body["message"]


async def test_every_command_is_audited_with_its_caller_and_result(ready_api: aiohttp.ClientSession) -> None:
    assert (await send(ready_api, "M105")).status == 200
    async with ready_api.post("/api/v1/printer/command", json={"command": "M104 S999"}) as response:
        assert response.status == 400
    async with ready_api.post("/api/v1/jobs", json={"file_id": 999}) as response:
        assert response.status == 404
    entries = await get_json(ready_api, "/api/v1/audit")
    newest_first = [(e["action"], e["result"]) for e in entries[:3]]
    assert newest_first == [("start_job", "refused"), ("send_gcode", "refused"), ("send_gcode", "ok")]
    first = entries[2]
    assert first["caller_kind"] == "api_key" and first["caller_name"] == "tests"
    assert first["detail"] == "M105"
    assert "limit" in entries[1]["message"]
    only = await get_json(ready_api, "/api/v1/audit?action=start_job&caller=api_key&limit=5")
    assert [e["action"] for e in only] == ["start_job"]
    page = await get_json(ready_api, f"/api/v1/audit?before={entries[0]['id']}&limit=1")
    assert page[0]["id"] == entries[1]["id"]


async def test_audit_filters_that_are_wrong_are_400(api: aiohttp.ClientSession) -> None:
    async with api.get("/api/v1/audit?caller=robot") as response:
        body = await error_of(response)
    assert response.status == 400 and "'robot'" in body["message"] and "mqtt" in body["message"]
    async with api.get("/api/v1/audit?limit=0") as response:
        assert response.status == 400


async def test_reset_is_refused_while_a_job_runs(ready_api: aiohttp.ClientSession) -> None:
    job_id = await printing_job(ready_api)
    async with ready_api.post("/api/v1/printer/reset") as response:
        body = await error_of(response)
    assert response.status == 409 and f"job {job_id}" in body["message"]


async def test_a_reset_asked_while_ready_never_undoes_a_later_emergency_stop(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    async with ready_api.post("/api/v1/printer/reset") as response:
        assert response.status == 200 and (await response.json())["state"] == "ready"
    async with ready_api.post("/api/v1/printer/emergency-stop") as response:
        assert response.status == 200
    await asyncio.sleep(1.5)
    printer = await get_json(ready_api, "/api/v1/printer")
    assert printer["state"] == "halted", "the earlier reset must not linger and reconnect a halted printer"
    async with ready_api.post("/api/v1/printer/reset") as response:
        assert response.status == 200
    await wait_for_printer(ready_api, "ready")
    assert appliance.simulator is not None and appliance.simulator.stats.resets >= 1


async def test_the_firmware_pause_button_pauses_the_job_through_the_control_surface(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    job_id = await printing_job(ready_api)
    appliance.services.link._on_line(b"//action:pause", 0.0)  # what a firmware prints when its button is pressed
    await wait_for_job(ready_api, job_id, "paused")
    entries = await get_json(ready_api, "/api/v1/audit?action=pause")
    assert entries[0]["caller_kind"] == "system" and entries[0]["caller_name"] == "firmware"


async def test_resuming_an_interrupted_job_asks_about_the_part_and_the_nozzle_not_the_bed(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    job_id = await printing_job(ready_api)
    async with ready_api.post("/api/v1/printer/emergency-stop") as response:
        assert response.status == 200
    await wait_for_job(ready_api, job_id, "interrupted")
    async with ready_api.post("/api/v1/printer/reset") as response:
        assert response.status == 200
    await wait_for_printer(ready_api, "ready")
    async with ready_api.post(f"/api/v1/jobs/{job_id}/resume") as response:
        body = await error_of(response)
    assert response.status == 409 and body["error"] == "confirmation_required"
    assert "part_attached" in body["message"] and "nozzle_clear" in body["message"]
    async with ready_api.post(f"/api/v1/jobs/{job_id}/resume", json={"part_attached": True}) as response:
        body = await error_of(response)
    assert response.status == 409 and "missing: nozzle_clear" in body["message"]
    status = await get_json(ready_api, "/api/v1/status")
    assert status["jobs"]["bed_clear"] is False, "the part is on the bed"
    confirm = {"part_attached": True, "nozzle_clear": True}
    async with ready_api.post(f"/api/v1/jobs/{job_id}/resume", json=confirm) as response:
        assert response.status == 200, await response.text()
    await wait_for_job(ready_api, job_id, "printing", "completed")  # no bed-clear needed
    # The resume script heats first, then homes X and Y: the job is "printing" before the homing runs.
    for _ in range(200):
        if "G28 X Y" in executed(appliance):
            break
        await asyncio.sleep(0.05)
    assert "G28 X Y" in executed(appliance), executed(appliance)[-40:]


async def test_queued_jobs_can_be_moved_and_removed(ready_api: aiohttp.ClientSession) -> None:
    await printing_job(ready_api)
    stored = await upload(ready_api, "later.gcode", slow_print(10))
    ids = [(await start_job(ready_api, stored["id"]))["id"] for _ in range(3)]
    async with ready_api.post(f"/api/v1/jobs/{ids[2]}/move", json={"position": 0}) as response:
        assert response.status == 200
        assert [job["id"] for job in await response.json()] == [ids[2], ids[0], ids[1]]
    queue = await get_json(ready_api, "/api/v1/queue")
    assert [job["id"] for job in queue["queued"]] == [ids[2], ids[0], ids[1]]
    async with ready_api.delete(f"/api/v1/jobs/{ids[0]}") as response:
        assert response.status == 200 and (await response.json())["state"] == "cancelled"
    queue = await get_json(ready_api, "/api/v1/queue")
    assert [job["id"] for job in queue["queued"]] == [ids[2], ids[1]]
    async with ready_api.post(f"/api/v1/jobs/{ids[1]}/move", json={"position": -1}) as response:
        body = await error_of(response)
    assert response.status == 400 and "-1" in body["message"]
    async with ready_api.delete(f"/api/v1/jobs/{ids[0]}") as response:
        assert response.status == 409


async def test_an_emergency_stop_while_paused_ends_the_job(ready_api: aiohttp.ClientSession) -> None:
    job_id = await printing_job(ready_api)
    async with ready_api.post(f"/api/v1/jobs/{job_id}/pause") as response:
        assert response.status == 200
    await wait_for_job(ready_api, job_id, "paused")
    async with ready_api.post("/api/v1/printer/emergency-stop") as response:
        assert response.status == 200
    job = await wait_for_job(ready_api, job_id, "interrupted", "failed", within=5)
    assert "halted" in job["detail"] or "emergency" in job["detail"], job["detail"]
    status = await get_json(ready_api, "/api/v1/queue")
    assert status["current"] is None, "a halted printer has no job running"

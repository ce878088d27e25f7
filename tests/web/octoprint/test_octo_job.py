"""/api/job: print through the OctoPrint API end to end, and control the job as OctoPrint clients do."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from pyoctoprintapi.exceptions import ApiError

from edge.app import Appliance
from tests.web.octoprint.octo_helpers import (
    client_for,
    octo_job,
    octo_upload,
    refused,
    wait_for_octo_state,
)
from tests.web.web_helpers import get_json, slow_print, wait_for_job


async def printing_through_octoprint(api: aiohttp.ClientSession, moves: int = 2000) -> int:
    status, body = await octo_upload(api, "slow.gcode", slow_print(moves), print="true")
    assert status == 201, body
    await wait_for_octo_state(api, "Printing")
    current = (await get_json(api, "/api/v1/status"))["jobs"]["current"]
    return int(current["id"])


async def test_upload_with_print_true_prints_and_progress_reaches_completion(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    data = slow_print(300, feedrate=600)
    status, body = await octo_upload(ready_api, "part.gcode", data, print="true")
    assert status == 201, body
    assert body["done"] is True and body["effectivePrint"] is True and body["effectiveSelect"] is True
    client = client_for(appliance, ready_api)
    seen: list[float] = []
    deadline = time.monotonic() + 60
    info = await client.get_job_info()
    while time.monotonic() < deadline:
        info = await client.get_job_info()
        if info.progress.completion is not None:
            seen.append(info.progress.completion)
        if info.state == "Operational" and info.progress.completion == 100.0:
            break
        assert info.state in ("Operational", "Printing"), info.state
        await asyncio.sleep(0.05)
    assert info.progress.completion == 100.0 and info.state == "Operational"
    assert seen == sorted(seen), "progress only goes forward"
    assert any(0 < value < 100 for value in seen), f"progress was seen while printing: {seen}"
    assert info.job.file.name == "part.gcode" and info.job.file.size == len(data) and info.job.file.origin == "local"
    job = await octo_job(ready_api)
    assert job["progress"]["filepos"] == len(data) and job["progress"]["printTimeLeft"] == 0
    assert isinstance(job["progress"]["printTime"], int)
    assert job["job"]["filament"]["tool0"]["length"] > 0
    jobs = await get_json(ready_api, "/api/v1/jobs")
    assert [(j["file_name"], j["state"]) for j in jobs] == [("part.gcode", "completed")]


async def test_pause_resume_and_cancel_through_the_home_assistant_client(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    job_id = await printing_through_octoprint(ready_api)
    client = client_for(appliance, ready_api)
    await client.pause_job()
    await wait_for_octo_state(ready_api, "Paused")
    await client.pause_job()  # pausing a paused job changes nothing, as in OctoPrint
    await client.resume_job()
    await wait_for_octo_state(ready_api, "Printing")
    async with ready_api.post("/api/job", json={"command": "pause", "action": "toggle"}) as response:
        assert response.status == 204
    await wait_for_octo_state(ready_api, "Paused")
    await client.cancel_job()
    await wait_for_job(ready_api, job_id, "cancelled")
    audit = await get_json(ready_api, "/api/v1/audit?limit=4")
    assert [entry["action"] for entry in audit] == ["cancel", "pause", "resume", "pause"]
    assert all(entry["caller_kind"] == "api_key" for entry in audit)


async def test_job_commands_that_do_not_fit_the_state_are_409_with_octoprint_semantics(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    for command in ("pause", "cancel", "restart"):
        async with ready_api.post("/api/job", json={"command": command}) as response:
            body = await refused(response, 409)
        assert "neither printing nor paused" in body["message"]
    async with ready_api.post("/api/job", json={"command": "start"}) as response:
        assert "no file is selected" in (await refused(response, 409))["message"]
    with pytest.raises(ApiError):
        await client_for(appliance, ready_api).cancel_job()
    await printing_through_octoprint(ready_api)
    async with ready_api.post("/api/job", json={"command": "start"}) as response:
        assert "did you mean 'restart'" in (await refused(response, 409))["message"]
    async with ready_api.post("/api/job", json={"command": "restart"}) as response:
        assert "not paused" in (await refused(response, 409))["message"]


async def test_unknown_job_command_and_pause_action_are_400_and_change_nothing(
    ready_api: aiohttp.ClientSession,
) -> None:
    job_id = await printing_through_octoprint(ready_api)
    async with ready_api.post("/api/job", json={"command": "explode"}) as response:
        body = await refused(response, 400)
    assert "'explode'" in body["message"] and "start" in body["message"]
    async with ready_api.post("/api/job", json={"command": "pause", "action": "sometimes"}) as response:
        assert "'sometimes'" in (await refused(response, 400))["message"]
    async with ready_api.post("/api/job", json=["start"]) as response:
        await refused(response, 400)
    assert (await get_json(ready_api, f"/api/v1/jobs/{job_id}"))["state"] == "printing"


async def test_restart_cancels_the_paused_job_and_queues_the_file_again(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    job_id = await printing_through_octoprint(ready_api)
    await client_for(appliance, ready_api).pause_job()
    await wait_for_octo_state(ready_api, "Paused")
    async with ready_api.post("/api/job", json={"command": "restart"}) as response:
        assert response.status == 204, await response.text()
    await wait_for_job(ready_api, job_id, "cancelled")
    jobs = await get_json(ready_api, "/api/v1/jobs")
    assert jobs[0]["file_id"] == jobs[1]["file_id"] and jobs[0]["state"] == "queued"
    # The cancelled part is still on the bed: the new job waits for a person to clear it, as every PrintEdge job.
    async with ready_api.post("/api/job", json={"command": "start"}) as response:
        assert "bed-clear" in (await refused(response, 409))["message"]
    async with ready_api.post("/api/v1/queue/bed-clear") as response:
        assert response.status == 200
    await wait_for_job(ready_api, jobs[0]["id"], "printing", "completed")


async def test_start_prints_the_selected_file(ready_api: aiohttp.ClientSession) -> None:
    status, body = await octo_upload(ready_api, "chosen.gcode", slow_print(50), select="true")
    assert status == 201 and body["effectiveSelect"] is True and body["effectivePrint"] is False
    job = await octo_job(ready_api)
    assert job["job"]["file"]["name"] == "chosen.gcode" and job["progress"]["completion"] is None
    assert await get_json(ready_api, "/api/v1/jobs") == []
    async with ready_api.post("/api/job", json={"command": "start"}) as response:
        assert response.status == 204
    jobs = await get_json(ready_api, "/api/v1/jobs")
    assert [j["file_name"] for j in jobs] == ["chosen.gcode"]
    await wait_for_job(ready_api, jobs[0]["id"], "completed")

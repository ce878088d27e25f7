"""Jobs through the API: bad requests are named, a print runs to completion, and a running job obeys."""

from __future__ import annotations

import aiohttp

from tests.web.web_helpers import (
    SMALL_PRINT,
    error_of,
    get_json,
    slow_print,
    start_job,
    upload,
    wait_for_job,
    wait_for_progress,
)


async def test_malformed_json_is_400_showing_the_body(api: aiohttp.ClientSession) -> None:
    async with api.post(
        "/api/v1/jobs", data=b'{"file_id": 1', headers={"Content-Type": "application/json"}
    ) as response:
        body = await error_of(response)
    assert response.status == 400
    assert body["error"] == "bad_request"
    assert "not valid JSON" in body["message"] and '{"file_id": 1' in body["message"]


async def test_json_that_is_not_an_object_is_400(api: aiohttp.ClientSession) -> None:
    async with api.post("/api/v1/jobs", json=[1, 2]) as response:
        body = await error_of(response)
    assert response.status == 400
    assert "JSON object" in body["message"] and "[1, 2]" in body["message"]


async def test_missing_field_is_400_naming_the_field(api: aiohttp.ClientSession) -> None:
    async with api.post("/api/v1/jobs", json={"file": 1}) as response:
        body = await error_of(response)
    assert response.status == 400
    assert '"file_id"' in body["message"] and "file" in body["message"]


async def test_wrong_type_is_400_naming_the_field_and_the_value(api: aiohttp.ClientSession) -> None:
    for value, shown in (("3", "'3'"), (True, "True"), (1.5, "1.5")):
        async with api.post("/api/v1/jobs", json={"file_id": value}) as response:
            body = await error_of(response)
        assert response.status == 400
        assert '"file_id"' in body["message"] and shown in body["message"]


async def test_job_for_an_unknown_file_is_404(api: aiohttp.ClientSession) -> None:
    async with api.post("/api/v1/jobs", json={"file_id": 4242}) as response:
        body = await error_of(response)
    assert response.status == 404
    assert "4242" in body["message"]


async def test_unknown_or_non_integer_job_id_is_404_or_400(api: aiohttp.ClientSession) -> None:
    async with api.get("/api/v1/jobs/77") as response:
        assert response.status == 404
        assert "77" in (await error_of(response))["message"]
    async with api.post("/api/v1/jobs/77/pause") as response:
        assert response.status == 404
    async with api.post("/api/v1/jobs/x7/cancel") as response:
        assert response.status == 400
        assert "'x7'" in (await error_of(response))["message"]


async def test_unknown_state_filter_is_400_listing_the_known_states(api: aiohttp.ClientSession) -> None:
    async with api.get("/api/v1/jobs", params={"state": "queued,sleeping"}) as response:
        body = await error_of(response)
    assert response.status == 400
    assert "'sleeping'" in body["message"] and "printing" in body["message"]


async def test_small_print_runs_to_completed_with_its_history(ready_api: aiohttp.ClientSession) -> None:
    stored = await upload(ready_api, "small.gcode", SMALL_PRINT)
    job = await start_job(ready_api, stored["id"])
    assert job["state"] == "queued" and job["file_id"] == stored["id"]
    done = await wait_for_job(ready_api, job["id"], "completed", "failed", "cancelled")
    assert done["state"] == "completed", done
    assert done["lines_done"] == done["lines_total"] == stored["analysis"]["command_lines"]
    kinds = [event["kind"] for event in done["events"]]
    assert kinds[0] == "queued" and "printing" in kinds and kinds[-1] == "completed"
    assert "recovery" in done
    # The job keeps the printer link's figures for its own lines.
    stats = done["stats"]
    assert stats["lines_acked"] >= done["lines_total"] and stats["line_errors"] == 0
    assert {"retransmissions", "fallbacks", "probes", "timeouts", "fragments", "fragment_reports"} <= set(stats)
    finished = await get_json(ready_api, "/api/v1/jobs?state=completed")
    assert [item["id"] for item in finished] == [job["id"]]
    # The part is still on the bed: the next job waits until someone confirms it is clear.
    status = await get_json(ready_api, "/api/v1/status")
    assert status["jobs"]["awaiting_bed_clear"] is True
    second = await start_job(ready_api, stored["id"])
    assert (await get_json(ready_api, f"/api/v1/jobs/{second['id']}"))["state"] == "queued"
    async with ready_api.post("/api/v1/queue/bed-clear") as response:
        assert response.status == 200
    assert (await wait_for_job(ready_api, second["id"], "completed"))["state"] == "completed"


async def test_pause_resume_and_cancel_a_running_job(ready_api: aiohttp.ClientSession) -> None:
    stored = await upload(ready_api, "slow.gcode", slow_print())
    job = await start_job(ready_api, stored["id"])
    await wait_for_job(ready_api, job["id"], "printing")
    await wait_for_progress(ready_api, job["id"], 20)
    async with ready_api.post(f"/api/v1/jobs/{job['id']}/pause") as response:
        assert response.status == 200, await response.text()
    paused = await wait_for_job(ready_api, job["id"], "paused")
    await_lines = paused["lines_done"]
    async with ready_api.post(f"/api/v1/jobs/{job['id']}/resume") as response:
        assert response.status == 200, await response.text()
    await wait_for_job(ready_api, job["id"], "printing")
    await wait_for_progress(ready_api, job["id"], await_lines + 20)
    async with ready_api.post(f"/api/v1/jobs/{job['id']}/cancel") as response:
        assert response.status == 200, await response.text()
    cancelled = await wait_for_job(ready_api, job["id"], "cancelled")
    assert cancelled["lines_done"] < cancelled["lines_total"]
    kinds = [event["kind"] for event in cancelled["events"]]
    assert "paused" in kinds and kinds[-1] == "cancelled"


async def test_job_action_in_the_wrong_state_is_409(ready_api: aiohttp.ClientSession) -> None:
    stored = await upload(ready_api, "slow.gcode", slow_print())
    running = await start_job(ready_api, stored["id"])
    await wait_for_job(ready_api, running["id"], "printing")
    queued = await start_job(ready_api, stored["id"])
    async with ready_api.post(f"/api/v1/jobs/{queued['id']}/pause") as response:
        body = await error_of(response)
    assert response.status == 409
    assert body["error"] == "invalid_job_state"
    assert f"job {queued['id']}" in body["message"]
    async with ready_api.post(f"/api/v1/jobs/{running['id']}/resume") as response:
        body = await error_of(response)
    assert response.status == 409
    assert "printing" in body["message"]
    # The file of an unfinished job cannot be deleted.
    async with ready_api.delete(f"/api/v1/files/{stored['id']}") as response:
        body = await error_of(response)
    assert response.status == 409
    assert body["error"] == "file_in_use"
    for job in (queued, running):
        async with ready_api.post(f"/api/v1/jobs/{job['id']}/cancel") as response:
            assert response.status == 200
    await wait_for_job(ready_api, running["id"], "cancelled")


async def test_json_body_over_one_mib_is_413(api: aiohttp.ClientSession) -> None:
    payload = b'{"file_id": 1, "pad": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    async with api.post("/api/v1/jobs", data=payload, headers={"Content-Type": "application/json"}) as response:
        body = await error_of(response)
    assert response.status == 413
    assert body["error"] == "request_too_large"
    assert "/api/v1/files" in body["message"]

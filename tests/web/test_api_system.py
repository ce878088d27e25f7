"""Health and status: what a dashboard or a watchdog sees, and how unknown endpoints answer."""

from __future__ import annotations

import aiohttp

import edge
from edge.app import Appliance
from tests.web.web_helpers import error_of, get_json, wait_for_printer


async def test_health_is_200_with_every_component_when_all_are_healthy(ready_api: aiohttp.ClientSession) -> None:
    async with ready_api.get("/health") as response:
        body = await response.json()
    assert response.status == 200, body
    assert body["ok"] is True
    assert {"store", "printer", "jobs", "web"} <= set(body["components"])
    assert all(component["ok"] for component in body["components"].values())


async def test_health_is_503_and_names_the_component_when_the_printer_is_halted(
    ready_api: aiohttp.ClientSession,
) -> None:
    async with ready_api.post("/api/v1/printer/emergency-stop") as response:
        assert response.status == 200
    async with ready_api.get("/health") as response:
        body = await response.json()
    assert response.status == 503
    assert body["ok"] is False
    assert body["components"]["printer"]["ok"] is False
    assert "halted" in body["components"]["printer"]["detail"]


async def test_status_reports_version_uptime_device_printer_and_queue(
    appliance: Appliance, api: aiohttp.ClientSession
) -> None:
    await wait_for_printer(api, "ready")
    status = await get_json(api, "/api/v1/status")
    assert status["version"] == edge.__version__
    assert status["device"]["name"] == "test-edge"
    assert status["device"]["id"].startswith("pe-")
    assert 0 <= status["uptime_s"] < 60
    assert status["printer"]["state"] == "ready"
    assert status["jobs"]["current"] is None
    assert status["jobs"]["bed_clear"] is True


async def test_server_listens_on_loopback_on_the_port_it_reports(appliance: Appliance) -> None:
    assert appliance.web.port > 0
    assert appliance.web.url == f"http://127.0.0.1:{appliance.web.port}"
    assert appliance.web.health().ok


async def test_unknown_endpoint_is_a_json_404(api: aiohttp.ClientSession) -> None:
    async with api.get("/api/v1/nothing-here") as response:
        body = await error_of(response)
    assert response.status == 404
    assert body["error"] == "not_found"
    assert "/api/v1/nothing-here" in body["message"]


async def test_wrong_method_is_a_json_405_that_names_the_allowed_ones(api: aiohttp.ClientSession) -> None:
    async with api.delete("/api/v1/status") as response:
        body = await error_of(response)
    assert response.status == 405
    assert body["error"] == "method_not_allowed"
    assert "GET" in body["message"]

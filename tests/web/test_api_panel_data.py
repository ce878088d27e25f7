"""What the panel reads besides the core API: console, temperature log, link health, logs, config, its own files."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path

import aiohttp

from edge.app import Appliance
from edge.core.events import LinkHealth
from edge.web.routes_diagnostics import redacted
from tests.gcode_files import layered_file
from tests.web.web_helpers import SMALL_PRINT, get_json, upload


async def test_console_shows_the_command_sent_and_the_firmware_reply(ready_api: aiohttp.ClientSession) -> None:
    before = (await get_json(ready_api, "/api/v1/printer/console?limit=1"))["last_seq"]
    async with ready_api.post("/api/v1/printer/command", json={"command": "M115"}) as response:
        assert response.status == 200
    console = await get_json(ready_api, f"/api/v1/printer/console?after={before}")
    lines = [(line["direction"], line["text"]) for line in console["lines"]]
    assert lines[0] == ("sent", "M115")
    assert any(direction == "received" and text.startswith("FIRMWARE_NAME:") for direction, text in lines)
    assert all(line["seq"] > before for line in console["lines"])


async def test_printer_status_carries_link_health(ready_api: aiohttp.ClientSession) -> None:
    printer = await get_json(ready_api, "/api/v1/printer")
    flow = printer["link"]["flow"]
    assert flow["advanced_ok"] is True
    assert isinstance(flow["planner_free"], int) and isinstance(flow["queue_free"], int)
    assert isinstance(printer["link"]["lines_per_s"], float)


async def test_link_health_is_published_while_connected(appliance: Appliance) -> None:
    subscription = appliance.services.bus.subscribe(LinkHealth)
    try:
        event = await asyncio.wait_for(subscription.get(), 5)
    finally:
        subscription.close()
    assert isinstance(event, LinkHealth)
    assert event.to_dict()["type"] == "link_health"
    assert event.planner_free is not None


async def test_temperature_log_keeps_samples(ready_api: aiohttp.ClientSession) -> None:
    for _ in range(50):
        samples = (await get_json(ready_api, "/api/v1/printer/temperatures"))["samples"]
        if samples:
            break
        await asyncio.sleep(0.1)
    assert samples and len(samples[0]) == 5


async def test_log_tail_and_config_without_secrets(ready_api: aiohttp.ClientSession) -> None:
    logs = await get_json(ready_api, "/api/v1/logs")
    assert logs["last_seq"] >= len(logs["entries"]) > 0
    assert all(entry["logger"].startswith("printedge") for entry in logs["entries"])
    config = await get_json(ready_api, "/api/v1/config")
    assert config["api"]["max_upload_mb"] == 1
    health = await get_json(ready_api, "/api/v1/health")
    assert "printer" in health["components"]


def test_config_redacts_secret_values() -> None:
    assert redacted({"mqtt": {"password": "hunter2", "host": "broker"}, "api_key": ""}) == {
        "mqtt": {"password": "***", "host": "broker"},
        "api_key": "",
    }


async def test_layers_of_a_file_and_one_layers_toolpath(ready_api: aiohttp.ClientSession, tmp_path: Path) -> None:
    path = tmp_path / "layers.gcode"
    layered_file(path, layers=3, moves=4)
    stored = await upload(ready_api, "layers.gcode", path.read_bytes())
    index = await get_json(ready_api, f"/api/v1/files/{stored['id']}/layers")
    assert [layer["layer"] for layer in index["layers"]] == [0, 1, 2, 3]
    assert [layer["z"] for layer in index["layers"][1:]] == [0.2, 0.4, 0.6]
    layer = await get_json(ready_api, f"/api/v1/files/{stored['id']}/layers/2")
    assert layer["thinned"] is False
    extrusions = [s for s in layer["segments"] if s[4] == 1]
    assert len(extrusions) == 4
    assert all(index["layers"][2]["start"] < s[5] <= index["layers"][2]["end"] for s in layer["segments"])
    async with ready_api.get(f"/api/v1/files/{stored['id']}/layers/9") as response:
        assert response.status == 404
    async with ready_api.get(f"/api/v1/files/{stored['id']}/layers/x") as response:
        assert response.status == 400


async def test_panel_page_is_served_with_caching_gzip_and_the_csp(appliance: Appliance) -> None:
    async with aiohttp.ClientSession(base_url=appliance.web.url, auto_decompress=False) as browser:
        async with browser.get("/") as response:
            assert response.status == 200
            assert response.content_type == "text/html"
            assert "script-src 'self'" in response.headers["Content-Security-Policy"]
            etag = response.headers["ETag"]
        async with browser.get("/", headers={"If-None-Match": etag}) as response:
            assert response.status == 304
        async with browser.get("/static/js/main.js", headers={"Accept-Encoding": "gzip"}) as response:
            assert response.status == 200
            assert response.headers["Content-Encoding"] == "gzip"
            assert response.content_type == "text/javascript"
            assert b"import" in gzip.decompress(await response.read())
        async with browser.get("/static/../server.py") as response:
            assert response.status == 404


async def test_auth_state_tells_whether_the_browser_is_signed_in(appliance: Appliance) -> None:
    async with aiohttp.ClientSession(base_url=appliance.web.url) as browser:
        state = await get_json(browser, "/api/v1/auth/state")
        assert state["signed_in"] is False
        browser.cookie_jar.update_cookies({"printedge_session": "not-a-session"})
        assert (await get_json(browser, "/api/v1/auth/state"))["signed_in"] is False


async def test_small_print_has_two_layers_in_the_preview(ready_api: aiohttp.ClientSession) -> None:
    stored = await upload(ready_api, "small.gcode", SMALL_PRINT)
    index = await get_json(ready_api, f"/api/v1/files/{stored['id']}/layers")
    assert [layer["layer"] for layer in index["layers"]] == [0, 1, 2]

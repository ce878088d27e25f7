"""Who answers: version, server, settings, connection and the printer profile, as OctoPrint clients read them."""

from __future__ import annotations

import aiohttp

from edge.app import Appliance
from tests.web.octoprint.octo_helpers import client_for, refused
from tests.web.web_helpers import get_json, wait_for_printer


async def test_version_text_begins_with_octoprint_so_prusaslicer_accepts_the_host(api: aiohttp.ClientSession) -> None:
    version = await get_json(api, "/api/version")
    assert version["api"] == "0.1"
    assert version["server"] == "1.11.0"
    assert version["text"].startswith("OctoPrint ")
    assert "PrintEdge 0.1.0" in version["text"]


async def test_server_version_through_the_home_assistant_client(
    appliance: Appliance, api: aiohttp.ClientSession
) -> None:
    server = await client_for(appliance, api).get_server_info()
    assert server.version == "1.11.0"
    assert server.safe_mode is None


async def test_settings_give_the_device_id_as_discovery_uuid_and_no_webcam(
    appliance: Appliance, api: aiohttp.ClientSession
) -> None:
    client = client_for(appliance, api)
    discovery = await client.get_discovery_info()
    assert discovery is not None
    assert appliance.identity is not None
    assert discovery.upnp_uuid == appliance.identity.id  # Home Assistant's unique id for the printer
    webcam = await client.get_webcam_info()
    assert webcam is not None and webcam.enabled is False
    assert await client.get_tracking_info() is None
    settings = await get_json(api, "/api/settings")
    assert settings["appearance"]["name"] == "test-edge"


async def test_printer_profile_comes_from_the_machine_config(api: aiohttp.ClientSession) -> None:
    profiles = await get_json(api, "/api/printerprofiles")
    profile = profiles["profiles"]["_default"]
    assert profile["id"] == "_default" and profile["name"] == "test-edge"
    assert profile["model"] == "Generic Marlin printer"
    assert (profile["volume"]["width"], profile["volume"]["depth"], profile["volume"]["height"]) == (250, 210, 210)
    assert profile["heatedBed"] is True
    assert profile["extruder"]["count"] == 1 and profile["extruder"]["nozzleDiameter"] == 0.4
    assert await get_json(api, "/api/printerprofiles/_default") == profile
    async with api.get("/api/printerprofiles/other") as response:
        assert "'other'" in (await refused(response, 404))["message"]


async def test_connection_reports_the_link_and_its_single_choices(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    connection = await get_json(ready_api, "/api/connection")
    assert connection["current"] == {
        "state": "Operational",
        "port": appliance.services.link.port,
        "baudrate": 250000,
        "printerProfile": "_default",
    }
    assert connection["options"]["ports"] == [appliance.services.link.port]
    assert 250000 in connection["options"]["baudrates"]


async def test_connect_while_connected_changes_nothing_and_disconnect_is_refused(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    await client_for(appliance, ready_api).connect()
    assert (await get_json(ready_api, "/api/v1/printer"))["state"] == "ready"
    async with ready_api.post("/api/connection", json={"command": "disconnect"}) as response:
        body = await refused(response, 400)
    assert body["error"] == "not_supported" and "emergency-stop" in body["message"]
    async with ready_api.post("/api/connection", json={"command": "connect", "port": "/dev/ttyUSB9"}) as response:
        assert "'/dev/ttyUSB9'" in (await refused(response, 400))["message"]
    assert (await get_json(ready_api, "/api/v1/printer"))["state"] == "ready"


async def test_connect_brings_a_halted_printer_back_through_a_reset(
    appliance: Appliance, ready_api: aiohttp.ClientSession
) -> None:
    async with ready_api.post("/api/v1/printer/emergency-stop") as response:
        assert response.status == 200
    connection = await get_json(ready_api, "/api/connection")
    assert connection["current"]["state"].startswith("Error: ")
    async with ready_api.post("/api/connection", json={"command": "connect"}) as response:
        assert response.status == 204, await response.text()
    await wait_for_printer(ready_api, "ready")
    audit = await get_json(ready_api, "/api/v1/audit?action=reset")
    assert audit[0]["caller_kind"] == "api_key" and audit[0]["result"] == "ok"

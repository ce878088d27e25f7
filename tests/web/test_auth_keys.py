"""API keys over real HTTP: missing, wrong, revoked, both header forms, the owner's key management."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from edge import cli
from edge.app import Appliance
from tests.web.auth_helpers import anonymous, claim, status_of
from tests.web.conftest import key_headers
from tests.web.web_helpers import error_of


async def owner_browser(appliance: Appliance) -> tuple[aiohttp.ClientSession, dict[str, str]]:
    """A signed-in browser and the CSRF header its changes need."""
    browser = anonymous(appliance)
    csrf = (await claim(appliance, browser))["csrf_token"]
    return browser, {"X-CSRF-Token": csrf}


async def create_key(browser: aiohttp.ClientSession, csrf: dict[str, str], name: str) -> dict[str, Any]:
    async with browser.post("/api/v1/auth/keys", json={"name": name}, headers=csrf) as response:
        status, body = await status_of(response)
    assert status == 201, body
    return body


async def test_without_credentials_every_api_endpoint_is_401_and_nothing_changes(appliance: Appliance) -> None:
    async with anonymous(appliance) as nobody:
        for method, path in (
            ("GET", "/api/v1/status"),
            ("GET", "/api/v1/files"),
            ("POST", "/api/v1/printer/command"),
            ("POST", "/api/v1/printer/emergency-stop"),
            ("POST", "/api/v1/jobs"),
            ("DELETE", "/api/v1/files/1"),
            ("GET", "/api/v1/no-such-endpoint"),
            ("GET", "/api/version"),
        ):
            async with nobody.request(method, path, json={"command": "G28"}) as response:
                error = await error_of(response)
            assert response.status == 401, (method, path, error)
            assert error["error"] == "authentication_required" and "X-Api-Key" in error["message"]
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        async with nobody.get("/health") as response:
            assert response.status == 200, "health stays open for monitoring"
    assert appliance.simulator is not None
    assert "G28" not in [line.command for line in appliance.simulator.executed]
    assert appliance.services.link.state.value == "ready", "no emergency stop happened"


async def test_a_key_works_as_x_api_key_and_as_a_bearer_token(appliance: Appliance) -> None:
    key = key_headers(appliance)["X-Api-Key"]
    async with anonymous(appliance) as client:
        async with client.get("/api/v1/status", headers={"X-Api-Key": key}) as response:
            assert response.status == 200
        async with client.get("/api/v1/status", headers={"Authorization": f"Bearer {key}"}) as response:
            assert response.status == 200
        async with client.get("/api/v1/auth/session", headers={"Authorization": f"bearer {key}"}) as response:
            assert await status_of(response) == (200, {"caller": {"kind": "api_key", "name": "tests"}})


async def test_a_wrong_key_or_a_malformed_authorization_header_is_401_naming_the_problem(appliance: Appliance) -> None:
    async with anonymous(appliance) as client:
        async with client.post("/api/v1/queue/bed-clear", headers={"X-Api-Key": "pe_not-a-key"}) as response:
            error = await error_of(response)
        assert response.status == 401 and error["error"] == "api_key_invalid"
        assert "'pe_not-'" in error["message"] and "not known to this device" in error["message"]
        async with client.get("/api/v1/status", headers={"Authorization": "Basic b3duZXI6cGFzcw=="}) as response:
            error = await error_of(response)
        assert response.status == 401 and "'Bearer <API key>'" in error["message"] and "'Basic'" in error["message"]
        async with client.get("/api/v1/status", headers={"X-Api-Key": " "}) as response:
            error = await error_of(response)
        assert response.status == 401 and "X-Api-Key header is empty" in error["message"]
        good = key_headers(appliance)["X-Api-Key"]
        both = {"X-Api-Key": good, "Authorization": "Bearer pe_other"}
        async with client.get("/api/v1/status", headers=both) as response:
            error = await error_of(response)
        assert response.status == 401 and "different keys" in error["message"]
    entries = await appliance.services.control.audit(limit=10, before_id=None, caller_kind=None, action="bed_clear")
    assert entries == []


async def test_the_owner_creates_a_key_once_lists_it_without_the_key_and_revokes_it(appliance: Appliance) -> None:
    browser, csrf = await owner_browser(appliance)
    async with browser:
        created = await create_key(browser, csrf, "Cura on the laptop")
        key = created["key"]
        assert key.startswith("pe_") and created["prefix"] == key[:7] and created["last_used_at"] is None
        async with anonymous(appliance, **{"X-Api-Key": key}) as app_client:
            async with app_client.get("/api/v1/status") as response:
                assert response.status == 200
            async with browser.get("/api/v1/auth/keys") as response:
                status, listed = await status_of(response)
            assert status == 200 and key not in str(listed)
            mine = next(item for item in listed if item["name"] == "Cura on the laptop")
            assert mine["last_used_at"] is not None and mine["created_by"] == "user:owner"
            async with browser.delete("/api/v1/auth/keys/Cura on the laptop", headers=csrf) as response:
                status, revoked = await status_of(response)
            assert status == 200 and revoked["revoked_at"] is not None
            async with app_client.post("/api/v1/queue/bed-clear") as response:
                error = await error_of(response)
            assert response.status == 401 and error["error"] == "api_key_revoked"
            assert "'Cura on the laptop' was revoked at" in error["message"]
        async with browser.get("/api/v1/auth/keys?revoked=true") as response:
            names = [item["name"] for item in (await response.json())]
        assert "Cura on the laptop" in names


async def test_key_names_are_unique_checked_and_revoking_an_unknown_one_is_404(appliance: Appliance) -> None:
    browser, csrf = await owner_browser(appliance)
    async with browser:
        await create_key(browser, csrf, "script")
        async with browser.post("/api/v1/auth/keys", json={"name": "script"}, headers=csrf) as response:
            error = await error_of(response)
        assert response.status == 409 and error["error"] == "api_key_name_taken"
        async with browser.post("/api/v1/auth/keys", json={"name": "  "}, headers=csrf) as response:
            error = await error_of(response)
        assert response.status == 400
        async with browser.post("/api/v1/auth/keys", data=b"{nope", headers=csrf) as response:
            error = await error_of(response)
        assert response.status == 400 and "not valid JSON" in error["message"]
        async with browser.delete("/api/v1/auth/keys/ghost", headers=csrf) as response:
            error = await error_of(response)
        assert response.status == 404 and error["error"] == "api_key_not_found" and "'script'" in error["message"]
        async with browser.get("/api/v1/auth/keys") as response:
            names = sorted(item["name"] for item in await response.json())
    assert names == ["script", "tests"]


async def test_the_websocket_needs_credentials_and_refuses_other_sites_pages(appliance: Appliance) -> None:
    async with anonymous(appliance) as nobody:
        async with nobody.get("/api/v1/ws", headers={"Upgrade": "websocket", "Connection": "Upgrade"}) as response:
            error = await error_of(response)
        assert response.status == 401 and error["error"] == "authentication_required"
        try:
            await nobody.ws_connect("/api/v1/ws")
        except aiohttp.WSServerHandshakeError as exc:
            assert exc.status == 401
        else:
            raise AssertionError("the websocket opened without credentials")
    async with anonymous(appliance, **key_headers(appliance)) as client:
        try:
            await client.ws_connect("/api/v1/ws", origin="http://evil.example")
        except aiohttp.WSServerHandshakeError as exc:
            assert exc.status == 403
        else:
            raise AssertionError("the websocket opened for another site's page")
        async with client.ws_connect("/api/v1/ws") as ws:
            assert (await ws.receive_json(timeout=5))["type"] == "snapshot"


async def test_printedge_status_needs_a_key_and_says_how_to_get_one(
    appliance: Appliance, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await asyncio.to_thread(cli.main, ["status", "--url", appliance.web.url]) == 1
    err = capsys.readouterr().err
    assert "answered 401" in err and "--api-key" in err and "printedge auth key create" in err
    key = key_headers(appliance)["X-Api-Key"]
    assert await asyncio.to_thread(cli.main, ["status", "--url", appliance.web.url, "--api-key", key]) == 0
    assert "printer: ready" in capsys.readouterr().out

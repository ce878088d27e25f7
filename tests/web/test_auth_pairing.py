"""App pairing the OctoPrint way (appkeys plugin) and OctoPrint's passive login, over real HTTP."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pyoctoprintapi import OctoprintClient

from edge import cli
from edge.app import Appliance
from tests.web.auth_helpers import anonymous, claim, running, status_of
from tests.web.conftest import key_headers
from tests.web.web_helpers import error_of


async def request_key(appliance: Appliance, app: str = "OctoApp") -> tuple[str, str]:
    """Ask for a key as an app does; answers the app token and the poll URL."""
    async with anonymous(appliance) as phone, phone.post("/plugin/appkeys/request", json={"app": app}) as response:
        status, body = await status_of(response)
        assert status == 201, body
        location = response.headers["Location"]
    assert location == f"{appliance.web.url}/plugin/appkeys/request/{body['app_token']}"
    return body["app_token"], location


async def poll(appliance: Appliance, token: str) -> tuple[int, dict[str, object]]:
    async with anonymous(appliance) as phone, phone.get(f"/plugin/appkeys/request/{token}") as response:
        return await status_of(response)


async def test_probe_answers_204_without_credentials(appliance: Appliance) -> None:
    async with anonymous(appliance) as phone, phone.get("/plugin/appkeys/probe") as response:
        assert response.status == 204


async def test_an_app_polls_202_until_the_owner_approves_then_gets_a_working_key_once(appliance: Appliance) -> None:
    token, _ = await request_key(appliance)
    assert await poll(appliance, token) == (202, {"state": "pending"})
    async with anonymous(appliance) as browser:
        csrf = {"X-CSRF-Token": (await claim(appliance, browser))["csrf_token"]}
        async with browser.get("/api/v1/auth/pairing") as response:
            waiting = await response.json()
        assert [(item["app"], item["state"]) for item in waiting] == [("OctoApp", "pending")]
        assert token not in str(waiting)
        async with browser.post(f"/api/v1/auth/pairing/{waiting[0]['id']}/approve", headers=csrf) as response:
            status, decided = await status_of(response)
        assert status == 200 and decided["state"] == "approved" and decided["decided_by"] == "user:owner"
    status, body = await poll(appliance, token)
    assert status == 200 and str(body["api_key"]).startswith("pe_")
    async with (
        anonymous(appliance, **{"X-Api-Key": str(body["api_key"])}) as phone,
        phone.get("/api/v1/auth/session") as response,
    ):
        assert (await response.json())["caller"] == {"kind": "api_key", "name": "OctoApp"}
    status, error = await poll(appliance, token)
    assert status == 404 and "already collected" in str(error["message"])


async def test_a_denied_request_answers_404_and_no_key_is_made(appliance: Appliance) -> None:
    token, _ = await request_key(appliance, "Spaghetti Detective")
    async with anonymous(appliance) as browser:
        csrf = {"X-CSRF-Token": (await claim(appliance, browser))["csrf_token"]}
        async with browser.get("/api/v1/auth/pairing") as response:
            request_id = (await response.json())[0]["id"]
        async with browser.post(f"/api/v1/auth/pairing/{request_id}/deny", headers=csrf) as response:
            assert response.status == 200
        async with browser.post(f"/api/v1/auth/pairing/{request_id}/approve", headers=csrf) as response:
            error = await error_of(response)
        assert response.status == 404 and "no pairing request named" in error["message"]
    status, error = await poll(appliance, token)
    assert status == 404 and error["error"] == "pairing_request_not_found" and "was denied" in str(error["message"])
    assert [key.name for key in await appliance.web.auth.keys.list()] == ["tests"]


async def test_an_unknown_or_expired_token_is_404(tmp_path: Path) -> None:
    async with running(tmp_path / "data", auth__pairing_timeout_s="1") as appliance:
        status, error = await poll(appliance, "no-such-token")
        assert status == 404 and "no pairing request has this token" in str(error["message"])
        token, _ = await request_key(appliance)
        await asyncio.sleep(1.1)
        status, error = await poll(appliance, token)
        assert status == 404 and "expired" in str(error["message"])
        assert await appliance.web.auth.pairing.waiting() == []


async def test_bad_pairing_requests_are_400_and_too_many_waiting_are_429(tmp_path: Path) -> None:
    async with running(tmp_path / "data", auth__max_pending_pairings="2") as appliance:
        async with anonymous(appliance) as phone:
            for body in ({}, {"app": ""}, {"app": 7}, {"app": "x" * 65}):
                async with phone.post("/plugin/appkeys/request", json=body) as response:
                    assert response.status == 400, body
            async with phone.post("/plugin/appkeys/request", data=b"{") as response:
                assert response.status == 400
            await request_key(appliance, "one")
            await request_key(appliance, "two")
            async with phone.post("/plugin/appkeys/request", json={"app": "three"}) as response:
                error = await error_of(response)
            assert response.status == 429 and error["error"] == "too_many_pairing_requests"
            assert int(response.headers["Retry-After"]) >= 1
        assert [r.app for r in await appliance.web.auth.pairing.waiting()] == ["one", "two"]


async def test_the_cli_approves_a_request_while_the_service_runs(
    appliance: Appliance, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token, _ = await request_key(appliance, "Mobileraker")
    monkeypatch.setenv("PRINTEDGE_DEVICE__DATA_DIR", str(appliance.data_dir))
    assert await asyncio.to_thread(cli.main, ["auth", "approve", "mobileraker"]) == 0
    assert "approved" in capsys.readouterr().out
    status, body = await poll(appliance, token)
    assert status == 200 and "api_key" in body
    token, _ = await request_key(appliance, "Mobileraker")
    assert await asyncio.to_thread(cli.main, ["auth", "deny", token]) == 0
    assert (await poll(appliance, token))[0] == 404


async def test_passive_login_answers_the_user_for_a_key_and_refuses_without_or_with_a_wrong_one(
    appliance: Appliance,
) -> None:
    async with anonymous(appliance) as browser:
        await claim(appliance, browser)
    async with anonymous(appliance, **key_headers(appliance)) as app_client:
        async with app_client.post("/api/login", json={"passive": True}) as response:
            status, user = await status_of(response)
        assert status == 200 and user["name"] == "owner" and user["admin"] is True and "PRINT" in user["permissions"]
        async with app_client.get("/api/currentuser") as response:
            status, current = await status_of(response)
        assert status == 200 and current["name"] == "owner" and "admins" in current["groups"]
    async with anonymous(appliance) as nobody:
        async with nobody.post("/api/login", json={"passive": True}) as response:
            error = await error_of(response)
        assert response.status == 403 and "API key" in error["message"]
        async with nobody.post("/api/login", json={"passive": True}, headers={"X-Api-Key": "pe_wrong"}) as response:
            error = await error_of(response)
        assert response.status == 401 and error["error"] == "api_key_invalid"
        async with nobody.get("/api/currentuser") as response:
            assert response.status == 401


async def test_octoprint_login_with_user_and_password_opens_a_session(appliance: Appliance) -> None:
    async with anonymous(appliance) as browser:
        await claim(appliance, browser)
    async with anonymous(appliance) as browser:
        async with browser.post("/api/login", json={"user": "owner", "pass": "wrong password"}) as response:
            assert response.status == 401
        async with browser.post("/api/login", json={"user": "owner", "pass": "correct horse battery"}) as response:
            status, user = await status_of(response)
        assert status == 200 and user["name"] == "owner"
        async with browser.get("/api/v1/status") as response:
            assert response.status == 200


async def test_home_assistants_octoprint_client_pairs_and_then_reads_the_printer(appliance: Appliance) -> None:
    """pyoctoprintapi's request_app_key, as Home Assistant's set-up runs it, while the owner approves on the panel."""
    async with anonymous(appliance) as session:
        octo = OctoprintClient("127.0.0.1", session, port=appliance.web.port, path="/")
        asking = asyncio.create_task(octo.request_app_key("Home Assistant", "owner", 20))
        async with anonymous(appliance) as browser:
            csrf = {"X-CSRF-Token": (await claim(appliance, browser))["csrf_token"]}
            waiting: list[dict[str, object]] = []
            while not waiting:
                await asyncio.sleep(0.1)
                async with browser.get("/api/v1/auth/pairing") as response:
                    waiting = await response.json()
            async with browser.post(f"/api/v1/auth/pairing/{waiting[0]['id']}/approve", headers=csrf) as response:
                assert response.status == 200
        key = await asking
        octo.set_api_key(key)
        info = await octo.get_server_info()
        assert info.version == "1.11.0"
        printer = await octo.get_printer_info()
        assert printer.state.flags.operational

"""Claiming the device with the setup code, panel sessions, CSRF and sign-out, over real HTTP."""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp
import pytest

from edge.app import Appliance
from edge.auth.setup_code import setup_code_path
from tests.web.auth_helpers import OWNER, PASSWORD, anonymous, claim, running, setup_code, status_of
from tests.web.web_helpers import error_of

CLAIM = "/api/v1/auth/claim"


async def owners(app: Appliance) -> int:
    row = await app.services.db.fetchone("SELECT COUNT(*) AS n FROM users")
    assert row is not None
    return int(row["n"])


async def test_an_unclaimed_device_says_so_and_keeps_a_setup_code_in_its_data_directory(appliance: Appliance) -> None:
    async with anonymous(appliance) as browser, browser.get("/api/v1/auth/state") as response:
        assert await status_of(response) == (200, {"claimed": False, "min_password_length": 10, "signed_in": False})
    assert setup_code_path(appliance.data_dir).stat().st_mode & 0o077 == 0, "only its user may read the code"


async def test_claiming_with_the_setup_code_makes_the_owner_and_a_strict_http_only_session(
    appliance: Appliance,
) -> None:
    async with anonymous(appliance) as browser:
        body = {"setup_code": (await setup_code(appliance)).lower(), "username": OWNER, "password": PASSWORD}
        async with browser.post(CLAIM, json=body) as response:
            status, answer = await status_of(response)
            cookie = response.cookies["printedge_session"]
        assert status == 201 and answer["user"]["name"] == OWNER and answer["user"]["owner"] is True
        assert cookie["httponly"] and cookie["samesite"] == "Strict" and int(cookie["max-age"]) == 168 * 3600
        assert cookie["path"] == "/"
        async with browser.get("/api/v1/auth/session") as response:
            status, session = await status_of(response)
        assert status == 200 and session["caller"] == {"kind": "user", "name": OWNER}
        assert session["csrf_token"] == answer["csrf_token"]
        async with browser.get("/api/v1/printer") as response:
            assert response.status == 200
    assert not setup_code_path(appliance.data_dir).exists(), "the setup code works once"
    audit = await appliance.services.control.audit(limit=5, before_id=None, caller_kind="user", action="claim")
    assert [entry.caller_name for entry in audit] == [OWNER]


async def test_a_wrong_setup_code_is_403_and_claims_nothing(appliance: Appliance) -> None:
    async with anonymous(appliance) as browser:
        body = {"setup_code": "AAAA-BBBB-CCCC", "username": OWNER, "password": PASSWORD}
        async with browser.post(CLAIM, json=body) as response:
            error = await error_of(response)
        assert response.status == 403 and error["error"] == "setup_code_invalid"
        assert "printedge auth setup-code" in error["message"]
        assert "printedge_session" not in response.cookies
    assert await owners(appliance) == 0 and setup_code_path(appliance.data_dir).exists()


async def test_claiming_twice_is_409_and_the_first_owner_stays(appliance: Appliance) -> None:
    async with anonymous(appliance) as first:
        code = await setup_code(appliance)
        await claim(appliance, first)
    async with anonymous(appliance) as second:
        body = {"setup_code": code, "username": "intruder", "password": "another long password"}
        async with second.post(CLAIM, json=body) as response:
            error = await error_of(response)
    assert response.status == 409 and error["error"] == "already_claimed" and repr(OWNER) in error["message"]
    assert await owners(appliance) == 1


async def test_a_short_password_is_400_naming_its_length_and_the_minimum(appliance: Appliance) -> None:
    async with anonymous(appliance) as browser:
        body = {"setup_code": await setup_code(appliance), "username": OWNER, "password": "short"}
        async with browser.post(CLAIM, json=body) as response:
            error = await error_of(response)
    assert response.status == 400 and error["error"] == "password_too_short"
    assert "5 characters" in error["message"] and "at least 10" in error["message"]
    assert await owners(appliance) == 0 and setup_code_path(appliance.data_dir).exists()


async def test_a_bad_user_name_or_malformed_json_is_400_and_claims_nothing(appliance: Appliance) -> None:
    async with anonymous(appliance) as browser:
        body = {"setup_code": await setup_code(appliance), "username": "no spaces please", "password": PASSWORD}
        async with browser.post(CLAIM, json=body) as response:
            error = await error_of(response)
        assert response.status == 400 and error["error"] == "invalid_name"
        async with browser.post(CLAIM, data=b'{"setup_code": ', headers={"Content-Type": "application/json"}) as r:
            error = await error_of(r)
        assert r.status == 400 and "not valid JSON" in error["message"]
        async with browser.post(CLAIM, json={"setup_code": 5}) as r:
            error = await error_of(r)
        assert r.status == 400 and '"setup_code" must be text' in error["message"]
    assert await owners(appliance) == 0


async def test_sign_in_with_the_right_password_and_not_with_a_wrong_one(appliance: Appliance) -> None:
    async with anonymous(appliance) as browser:
        async with browser.post("/api/v1/auth/login", json={"username": OWNER, "password": PASSWORD}) as response:
            error = await error_of(response)
        assert response.status == 409 and error["error"] == "not_claimed"
        await claim(appliance, browser)
    async with anonymous(appliance) as browser:
        for name, password in ((OWNER, "wrong password!"), ("nobody", PASSWORD)):
            async with browser.post("/api/v1/auth/login", json={"username": name, "password": password}) as r:
                error = await error_of(r)
            assert r.status == 401 and error == {"error": "login_failed", "message": "wrong user name or password"}
        async with browser.post("/api/v1/auth/login", json={"username": OWNER, "password": PASSWORD}) as response:
            status, answer = await status_of(response)
        assert status == 200 and answer["csrf_token"]
        async with browser.get("/api/v1/status") as response:
            assert response.status == 200


async def test_a_cookie_state_change_needs_the_csrf_token_of_its_session(appliance: Appliance) -> None:
    async with anonymous(appliance) as browser:
        csrf = (await claim(appliance, browser))["csrf_token"]
        before = await appliance.services.files.list()
        async with browser.post("/api/v1/files?name=a.gcode", data=b"G28\n") as response:
            error = await error_of(response)
        assert response.status == 403 and error["error"] == "csrf_token_missing"
        assert "X-CSRF-Token" in error["message"]
        async with browser.post("/api/v1/files?name=a.gcode", data=b"G28\n", headers={"X-CSRF-Token": "x"}) as r:
            error = await error_of(r)
        assert r.status == 403 and error["error"] == "csrf_token_invalid"
        assert await appliance.services.files.list() == before, "nothing was stored"
        async with browser.post("/api/v1/files?name=a.gcode", data=b"G28\n", headers={"X-CSRF-Token": csrf}) as r:
            assert r.status == 201
        async with browser.post("/api/v1/queue/bed-clear", headers={"X-CSRF-Token": csrf}) as r:
            assert r.status == 200
    entries = await appliance.services.control.audit(limit=1, before_id=None, caller_kind=None, action=None)
    assert (entries[0].action, entries[0].caller_kind, entries[0].caller_name) == ("bed_clear", "user", OWNER)


async def test_sign_out_ends_the_session_and_its_cookie_stops_working(appliance: Appliance) -> None:
    async with anonymous(appliance) as browser:
        csrf = (await claim(appliance, browser))["csrf_token"]
        jar_cookie = next(iter(browser.cookie_jar))
        async with browser.post("/api/v1/auth/logout") as response:
            assert response.status == 403, "sign-out is a change: it needs the CSRF token too"
        async with browser.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}) as response:
            assert response.status == 204
    async with anonymous(appliance) as replay:
        replay.cookie_jar.update_cookies({"printedge_session": jar_cookie.value})
        async with replay.get("/api/v1/status") as response:
            error = await error_of(response)
    assert response.status == 401 and error["error"] == "session_expired"


async def test_an_expired_session_is_401_saying_so(appliance: Appliance) -> None:
    async with anonymous(appliance) as browser:
        await claim(appliance, browser)
        await appliance.services.db.execute("UPDATE sessions SET expires_at = 1")
        async with browser.get("/api/v1/status") as response:
            error = await error_of(response)
    assert response.status == 401 and error["error"] == "session_expired" and "expired" in error["message"]


async def test_the_setup_code_is_written_to_the_log_at_start(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="printedge.auth"):
        async with running(tmp_path / "data") as app:
            code = await setup_code(app)
    assert any(code in record.getMessage() for record in caplog.records)


async def test_an_api_key_cannot_manage_keys_only_the_owner_session_can(api: aiohttp.ClientSession) -> None:
    async with api.post("/api/v1/auth/keys", json={"name": "escalate"}) as response:
        error = await error_of(response)
    assert response.status == 403 and error["error"] == "forbidden" and "panel session" in error["message"]

"""Failure limits, security headers, CORS, open LAN reads and binding, over real HTTP."""

from __future__ import annotations

import socket
from pathlib import Path

import aiohttp
import pytest

from edge.app import Appliance
from tests.web.auth_helpers import anonymous, claim, running, setup_code, status_of
from tests.web.conftest import key_headers
from tests.web.web_helpers import error_of


def has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


async def test_repeated_failures_from_one_address_are_429_with_retry_after_even_for_a_good_key(
    tmp_path: Path,
) -> None:
    async with running(tmp_path / "data", auth__max_failures="3", auth__failure_window_s="60") as app:
        async with anonymous(app) as attacker:
            for _ in range(3):
                async with attacker.get("/api/v1/status", headers={"X-Api-Key": "pe_guess"}) as response:
                    assert response.status == 401
            async with attacker.get("/api/v1/status", headers=key_headers(app)) as response:
                error = await error_of(response)
            assert response.status == 429 and error["error"] == "too_many_failures"
            assert 1 <= int(response.headers["Retry-After"]) <= 60 and "127.0.0.1" in error["message"]
            body = {"setup_code": await setup_code(app), "username": "owner", "password": "long enough pw"}
            async with attacker.post("/api/v1/auth/claim", json=body) as response:
                assert response.status == 429, "the setup code is not tried either"
            async with attacker.get("/plugin/appkeys/probe") as response:
                assert response.status == 204, "what needs no credential still answers"
        assert await app.web.auth.owner_user() is None


async def test_wrong_setup_codes_and_passwords_count_as_failures(tmp_path: Path) -> None:
    async with running(tmp_path / "data", auth__max_failures="2") as app:
        async with anonymous(app) as attacker:
            for code in ("AAAA-AAAA-AAAA", "BBBB-BBBB-BBBB"):
                body = {"setup_code": code, "username": "owner", "password": "long enough pw"}
                async with attacker.post("/api/v1/auth/claim", json=body) as response:
                    assert response.status == 403
            body = {"setup_code": await setup_code(app), "username": "owner", "password": "long enough pw"}
            async with attacker.post("/api/v1/auth/claim", json=body) as response:
                assert response.status == 429
        assert await app.web.auth.owner_user() is None


@pytest.mark.skipif(not has_ipv6_loopback(), reason="no IPv6 loopback on this machine")
async def test_the_limit_is_per_address_and_the_service_answers_on_ipv4_and_ipv6(tmp_path: Path) -> None:
    async with running(tmp_path / "data", auth__max_failures="1") as app:
        assert app.web.host == "::"
        async with anonymous(app) as v4:
            async with v4.get("/api/v1/status", headers={"X-Api-Key": "pe_guess"}) as response:
                assert response.status == 401
            async with v4.get("/api/v1/status", headers=key_headers(app)) as response:
                assert response.status == 429
        async with (
            aiohttp.ClientSession(headers=key_headers(app)) as v6,
            v6.get(f"http://[::1]:{app.web.port}/api/v1/status") as response,
        ):
            assert response.status == 200, "::1 is another address"


async def test_api_host_still_overrides_the_binding(tmp_path: Path) -> None:
    async with running(tmp_path / "data", api__host="127.0.0.1") as app, aiohttp.ClientSession() as client:
        assert app.web.url.startswith("http://127.0.0.1:")
        async with client.get(f"{app.web.url}/health") as response:
            assert response.status == 200
        if has_ipv6_loopback():
            with pytest.raises(aiohttp.ClientConnectionError):
                await client.get(f"http://[::1]:{app.web.port}/health")


async def test_every_response_has_the_security_headers(appliance: Appliance) -> None:
    async with anonymous(appliance) as client:
        for path, headers in (("/health", {}), ("/api/v1/status", {}), ("/api/v1/status", key_headers(appliance))):
            async with client.get(path, headers=headers) as response:
                csp = response.headers["Content-Security-Policy"]
                assert "default-src 'self'" in csp and "script-src 'self'" in csp
                assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
                assert response.headers["X-Content-Type-Options"] == "nosniff"
                assert response.headers["Referrer-Policy"] == "no-referrer"
                assert response.headers["Cache-Control"] == "no-store"
        async with client.get("/nothing-here") as response:
            assert response.status == 404 and response.headers["X-Content-Type-Options"] == "nosniff"


async def test_cors_is_off_unless_origins_are_configured(appliance: Appliance) -> None:
    preflight = {"Origin": "http://panel.example", "Access-Control-Request-Method": "POST"}
    async with anonymous(appliance) as client:
        async with client.options("/api/v1/jobs", headers=preflight) as response:
            error = await error_of(response)
        assert response.status == 403 and error["error"] == "origin_not_allowed" and "CORS is off" in error["message"]
        headers = key_headers(appliance) | {"Origin": "http://panel.example"}
        async with client.get("/api/v1/status", headers=headers) as response:
            assert "Access-Control-Allow-Origin" not in response.headers


async def test_configured_origins_and_only_those_get_cors_headers(tmp_path: Path) -> None:
    async with (
        running(tmp_path / "data", api__cors_origins='["http://panel.example"]') as app,
        anonymous(app) as client,
    ):
        preflight = {"Origin": "http://panel.example", "Access-Control-Request-Method": "POST"}
        async with client.options("/api/v1/jobs", headers=preflight) as response:
            assert response.status == 204
            assert response.headers["Access-Control-Allow-Origin"] == "http://panel.example"
            assert "X-Api-Key" in response.headers["Access-Control-Allow-Headers"]
        other = {"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}
        async with client.options("/api/v1/jobs", headers=other) as response:
            assert response.status == 403 and "Access-Control-Allow-Origin" not in response.headers
        headers = key_headers(app) | {"Origin": "http://panel.example"}
        async with client.get("/api/v1/status", headers=headers) as response:
            assert response.headers["Access-Control-Allow-Origin"] == "http://panel.example"


async def test_lan_read_only_opens_status_reads_but_no_change_and_no_private_read(tmp_path: Path) -> None:
    async with running(tmp_path / "data", auth__lan_read_only="true") as app, anonymous(app) as neighbour:
        for path in ("/api/v1/status", "/api/v1/printer", "/api/v1/jobs"):
            async with neighbour.get(path) as response:
                assert response.status == 200, path
        async with neighbour.get("/api/currentuser") as response:
            assert await status_of(response) == (
                200,
                {"name": None, "permissions": ["STATUS", "FILES_LIST"], "groups": ["guests"]},
            )
        for method, path in (("POST", "/api/v1/queue/bed-clear"), ("GET", "/api/v1/audit"), ("GET", "/api/v1/ws")):
            async with neighbour.request(method, path) as response:
                error = await error_of(response)
            assert response.status == 401 and error["error"] == "authentication_required", path
        async with neighbour.get("/api/v1/auth/keys") as response:
            assert response.status == 401
        async with neighbour.get("/api/v1/auth/session") as response:
            assert response.status == 401
        async with anonymous(app) as browser:
            await claim(app, browser)
            async with browser.get("/api/v1/auth/session") as response:
                status, body = await status_of(response)
            assert status == 200 and body["caller"]["kind"] == "user"

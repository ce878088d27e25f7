"""Helpers for the authentication tests: appliances with settings, clients without a key, claiming."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from edge.app import Appliance
from edge.auth.setup_code import read_setup_code
from tests.web.conftest import no_blocking_in_edge, started

OWNER = "owner"
PASSWORD = "correct horse battery"


@contextlib.asynccontextmanager
async def running(data_dir: Any, **overrides: str) -> AsyncIterator[Appliance]:
    """A started appliance with configuration overrides (auth__max_failures="3", ...); stopped afterwards."""
    app = await started(data_dir, **overrides)
    try:
        with no_blocking_in_edge():
            yield app
    finally:
        await app.stop()


def anonymous(app: Appliance, **headers: str) -> aiohttp.ClientSession:
    """A client without credentials that keeps cookies (also from an IP address, as a browser does)."""
    return aiohttp.ClientSession(base_url=app.web.url, cookie_jar=aiohttp.CookieJar(unsafe=True), headers=headers)


async def setup_code(app: Appliance) -> str:
    """The setup code, read where `printedge auth setup-code` reads it."""
    code = await read_setup_code(app.data_dir)
    assert code is not None
    return code


async def claim(app: Appliance, browser: aiohttp.ClientSession) -> dict[str, Any]:
    """Claim the device as OWNER; the browser keeps the session cookie. Answers the body (with csrf_token)."""
    body = {"setup_code": await setup_code(app), "username": OWNER, "password": PASSWORD}
    async with browser.post("/api/v1/auth/claim", json=body) as response:
        answer: dict[str, Any] = await response.json()
        assert response.status == 201, answer
        return answer


async def status_of(response: aiohttp.ClientResponse) -> tuple[int, dict[str, Any]]:
    """Status and JSON body of a response."""
    return response.status, await response.json()

"""Shared helpers for the API tests: G-code to print, uploads, and waiting for states over HTTP."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp

from edge.auth.keys import ApiKeys
from edge.control.caller import Caller, CallerKind
from edge.store.api_keys import ApiKeyRepository
from edge.store.db import Database

TEST_KEY_NAME = "tests"

SMALL_PRINT = b"""; a tiny two-layer print
M140 S50
M104 S200
M190 S50
M109 S200
G28
G90
M83
;LAYER_CHANGE
;Z:0.2
G1 Z0.2 F600
G1 X10 Y10 E0.5 F1200
G1 X20 Y10 E0.5
;LAYER_CHANGE
;Z:0.4
G1 Z0.4
G1 X20 Y20 E0.5
G1 X10 Y20 E0.5
"""


async def provision_api_key(data_dir: Path, name: str = TEST_KEY_NAME) -> dict[str, str]:
    """Create an API key in a data directory's database (as `printedge auth key create` does); its headers."""
    db = Database(data_dir / "printedge.db")
    await db.open()
    try:
        key, _ = await ApiKeys(ApiKeyRepository(db)).create(name, Caller(CallerKind.CLI, "tests"))
    finally:
        await db.close()
    return {"X-Api-Key": key}


def slow_print(moves: int = 2000, feedrate: float = 60.0) -> bytes:
    """A print of many slow moves: long enough to pause, resume and cancel while it runs."""
    lines = ["G28", "G90", "M83", ";LAYER_CHANGE", ";Z:0.2", "G1 Z0.2 F600"]
    for index in range(moves):
        x = 10 + (index % 2) * 10
        lines.append(f"G1 X{x} Y{10 + index % 50} E0.2 F{feedrate:g}")
        if index % 100 == 99:
            lines += [";LAYER_CHANGE", f";Z:{0.2 + 0.2 * (index // 100 + 1):.1f}"]
    return ("\n".join(lines) + "\n").encode()


def form(name: str, data: bytes, field: str = "file") -> aiohttp.FormData:
    """A multipart body with one file field."""
    body = aiohttp.FormData()
    body.add_field(field, data, filename=name, content_type="application/octet-stream")
    return body


async def upload(api: aiohttp.ClientSession, name: str, data: bytes) -> dict[str, Any]:
    """Upload a file that must be accepted; returns the stored file."""
    async with api.post("/api/v1/files", data=form(name, data)) as response:
        body: dict[str, Any] = await response.json()
        assert response.status == 201, body
        return body


async def start_job(api: aiohttp.ClientSession, file_id: int) -> dict[str, Any]:
    """Queue a job that must be accepted; returns the job."""
    async with api.post("/api/v1/jobs", json={"file_id": file_id}) as response:
        body: dict[str, Any] = await response.json()
        assert response.status == 201, body
        return body


async def get_json(api: aiohttp.ClientSession, path: str) -> Any:
    """GET a path that must answer 200."""
    async with api.get(path) as response:
        body = await response.json()
        assert response.status == 200, body
        return body


async def wait_for_printer(api: aiohttp.ClientSession, state: str, within: float = 10.0) -> dict[str, Any]:
    """Poll the printer until its link is in the given state."""
    deadline = time.monotonic() + within
    printer: dict[str, Any] = {}
    while time.monotonic() < deadline:
        printer = await get_json(api, "/api/v1/printer")
        if printer["state"] == state:
            return printer
        await asyncio.sleep(0.05)
    raise AssertionError(f"printer did not become {state} within {within} s: {printer}")


async def wait_for_job(api: aiohttp.ClientSession, job_id: int, *states: str, within: float = 15.0) -> dict[str, Any]:
    """Poll a job until it is in one of the given states."""
    deadline = time.monotonic() + within
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        job = await get_json(api, f"/api/v1/jobs/{job_id}")
        if job["state"] in states:
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} did not become {' or '.join(states)} within {within} s: {job}")


async def wait_for_progress(api: aiohttp.ClientSession, job_id: int, lines: int, within: float = 10.0) -> None:
    """Poll a job until at least `lines` command lines are done."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        status = await get_json(api, "/api/v1/status")
        progress = status["jobs"]["progress"]
        if progress and progress["job_id"] == job_id and progress["lines_done"] >= lines:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} did not reach line {lines} within {within} s")


async def error_of(response: aiohttp.ClientResponse) -> dict[str, Any]:
    """The JSON error body of a failed request, checked for shape."""
    body: dict[str, Any] = await response.json()
    assert set(body) == {"error", "message"}, body
    assert isinstance(body["message"], str) and body["message"], body
    return body

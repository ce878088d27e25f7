"""Helpers for the OctoPrint API tests: the real client, uploads as clients send them, and raw HTTP."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from pyoctoprintapi import OctoprintClient

from edge.app import Appliance
from tests.web.conftest import key_headers
from tests.web.web_helpers import error_of


def client_for(appliance: Appliance, session: aiohttp.ClientSession, *, keyed: bool = True) -> OctoprintClient:
    """pyoctoprintapi's client (what Home Assistant uses) pointed at the appliance, with the tests' API key."""
    octo = OctoprintClient("127.0.0.1", session, port=appliance.web.port, path="/")
    key = key_headers(appliance).get("X-Api-Key")
    if keyed and key:
        octo.set_api_key(key)
    return octo


async def octo_upload(api: aiohttp.ClientSession, name: str, data: bytes, **fields: str) -> tuple[int, dict[str, Any]]:
    """An upload the way OctoPrint's own web page sends it: the file first, then select/print."""
    body = aiohttp.FormData()
    body.add_field("file", data, filename=name, content_type="application/octet-stream")
    for key, value in fields.items():
        body.add_field(key, value)
    async with api.post("/api/files/local", data=body) as response:
        return response.status, await response.json()


async def refused(response: aiohttp.ClientResponse, status: int) -> dict[str, Any]:
    """The error body of a refused request, checked for its status and shape."""
    body = await error_of(response)
    assert response.status == status, body
    return body


def executed(appliance: Appliance) -> list[str]:
    """The commands the virtual printer ran (its recent memory)."""
    assert appliance.simulator is not None
    return [line.command for line in appliance.simulator.executed]


async def wait_until_executed(appliance: Appliance, command: str, within: float = 5.0) -> None:
    """Wait until the virtual printer has run a command."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if command in executed(appliance):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the printer did not run {command!r} within {within} s")


async def octo_job(api: aiohttp.ClientSession) -> dict[str, Any]:
    """GET /api/job."""
    async with api.get("/api/job") as response:
        body: dict[str, Any] = await response.json()
        assert response.status == 200, body
        return body


async def wait_for_octo_state(api: aiohttp.ClientSession, *texts: str, within: float = 15.0) -> dict[str, Any]:
    """Poll GET /api/job until the state text is one of `texts`."""
    deadline = time.monotonic() + within
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        job = await octo_job(api)
        if job["state"] in texts:
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"state did not become {' or '.join(texts)} within {within} s: {job}")


# ---- PrusaSlicer's upload, byte for byte ------------------------------------------------------

# libcurl's multipart boundary: 24 dashes and 22 random letters and digits.
CURL_BOUNDARY = "------------------------" + "Lq7VbF0sZk2YwN4xTq9HcR"


def prusaslicer_body(
    filename: str, data: bytes, *, print_after: bool, folder: str = "", filename_param: bytes | None = None
) -> bytes:
    """The multipart body PrusaSlicer's OctoPrint host sends; `filename_param` replaces `filename="<name>"`."""
    # src/slic3r/Utils/OctoPrint.cpp: form_add("print", "true"|"false"), form_add("path", <parent folder>),
    # form_add_file("file", ..., <name>); Http.cpp gives the file part Content-Type application/octet-stream,
    # and libcurl's curl_formadd lays the parts out in that order.
    name_param = filename_param or b'filename="' + filename.encode() + b'"'
    delimiter = f"--{CURL_BOUNDARY}\r\n".encode()
    parts = [
        delimiter,
        b'Content-Disposition: form-data; name="print"\r\n\r\n',
        b"true" if print_after else b"false",
        b"\r\n",
        delimiter,
        b'Content-Disposition: form-data; name="path"\r\n\r\n',
        folder.encode(),
        b"\r\n",
        delimiter,
        b'Content-Disposition: form-data; name="file"; ' + name_param + b"\r\n",
        b"Content-Type: application/octet-stream\r\n\r\n",
        data,
        b"\r\n",
        f"--{CURL_BOUNDARY}--\r\n".encode(),
    ]
    return b"".join(parts)


def prusaslicer_head(appliance: Appliance, length: int, *, expect: bool = False) -> bytes:
    """The request line and headers libcurl sends for PrusaSlicer's upload, with the tests' API key."""
    port = appliance.web.port
    lines = [
        "POST /api/files/local HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "User-Agent: PrusaSlicer/2.8.1",
        "Accept: */*",
        f"X-Api-Key: {key_headers(appliance)['X-Api-Key']}",
        f"Content-Length: {length}",
        f"Content-Type: multipart/form-data; boundary={CURL_BOUNDARY}",
    ]
    if expect:
        # libcurl asks before sending a large body; PrusaSlicer's sliced files usually are.
        lines.append("Expect: 100-continue")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@dataclass
class RawResponse:
    """A response read off the socket."""

    status: int
    headers: dict[str, str]
    body: bytes
    interim: list[int]


async def raw_request(port: int, head: bytes, body: bytes, *, expect: bool = False) -> RawResponse:
    """Send exact bytes; with `expect`, wait for 100 Continue before the body, as libcurl does."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    interim: list[int] = []
    try:
        writer.write(head)
        await writer.drain()
        if expect:
            status, _ = await _read_head(reader)
            interim.append(status)
            assert status == 100, f"expected 100 Continue before the body, got {status}"
        writer.write(body)
        await writer.drain()
        status, headers = await _read_head(reader)
        content = await reader.readexactly(int(headers.get("content-length", "0")))
        return RawResponse(status, headers, content, interim)
    finally:
        writer.close()
        await writer.wait_closed()


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    lines = raw.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip()
    return status, headers

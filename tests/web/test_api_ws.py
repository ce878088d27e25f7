"""The live WebSocket: snapshot first, then bus events; slow clients are cut off, shutdown closes all."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import WSCloseCode, WSMsgType

from edge.app import Appliance
from edge.core.events import FirmwareMessage
from tests.web.conftest import client, started
from tests.web.web_helpers import SMALL_PRINT, start_job, upload, wait_for_job


async def receive_json(ws: aiohttp.ClientWebSocketResponse, within: float = 5.0) -> dict[str, Any]:
    """The next message, which must be a JSON object."""
    message = await ws.receive(timeout=within)
    assert message.type is WSMsgType.TEXT, message
    data: dict[str, Any] = message.json()
    return data


async def close_of(ws: aiohttp.ClientWebSocketResponse, within: float = 10.0) -> aiohttp.WSMessage:
    """Read (and drop) messages until the server's close arrives."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        message = await ws.receive(timeout=deadline - time.monotonic())
        if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
            return message
    raise AssertionError("the server did not close the websocket")


async def wait_until(predicate: Any, within: float = 5.0) -> None:
    """Poll a condition."""
    deadline = time.monotonic() + within
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_client_gets_a_snapshot_then_job_and_temperature_events(ready_api: aiohttp.ClientSession) -> None:
    async with ready_api.ws_connect("/api/v1/ws") as ws:
        snapshot = await receive_json(ws)
        assert snapshot["type"] == "snapshot"
        assert snapshot["status"]["printer"]["state"] == "ready"
        assert {"version", "uptime_s", "device", "jobs"} <= set(snapshot["status"])
        stored = await upload(ready_api, "small.gcode", SMALL_PRINT)
        job = await start_job(ready_api, stored["id"])
        seen: dict[str, list[dict[str, Any]]] = {}
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            event = await receive_json(ws)
            seen.setdefault(event["type"], []).append(event)
            if event["type"] == "job_state" and event["state"] == "completed":
                break
        states = [event["state"] for event in seen["job_state"] if event["job_id"] == job["id"]]
        assert states[0] == "printing" and states[-1] == "completed"
        assert "temperature" in seen
        assert {"hotend", "hotend_target", "bed", "bed_target"} <= set(seen["temperature"][-1])
        await wait_for_job(ready_api, job["id"], "completed")
    assert "job_progress" in seen
    assert seen["job_progress"][-1]["job_id"] == job["id"]


async def test_slow_client_is_closed_while_a_fast_one_keeps_receiving(
    appliance: Appliance, api: aiohttp.ClientSession
) -> None:
    hub = appliance.web.hub
    hub.send_timeout_s = 0.5
    bus = appliance.services.bus
    big = "x" * 32_000
    async with api.ws_connect("/api/v1/ws") as slow, api.ws_connect("/api/v1/ws") as fast:
        assert (await receive_json(fast))["type"] == "snapshot"
        await wait_until(lambda: hub.count == 2)
        received = 0

        async def read_fast() -> None:
            nonlocal received
            async for message in fast:
                if message.type is WSMsgType.TEXT and message.json()["type"] == "firmware":
                    received += 1

        reader = asyncio.create_task(read_fast())
        published = 0
        started_at = time.monotonic()
        # Never reading from `slow`, its socket buffers fill up until a send times out.
        while hub.count == 2 and time.monotonic() - started_at < 15:
            for _ in range(20):
                bus.publish(FirmwareMessage(level="info", text=f"{published} {big}"))
                published += 1
            await asyncio.sleep(0.01)
        assert hub.count == 1, "the slow client was never closed"
        await wait_until(lambda: received >= published - 1, within=10)
        reader.cancel()
        closing = await close_of(slow, within=15)
        assert closing.type is WSMsgType.CLOSE
        assert closing.data == WSCloseCode.TRY_AGAIN_LATER
        assert "too slow" in closing.extra


async def test_client_that_falls_far_behind_is_closed_with_a_reason(
    appliance: Appliance, api: aiohttp.ClientSession
) -> None:
    async with api.ws_connect("/api/v1/ws") as ws:
        assert (await receive_json(ws))["type"] == "snapshot"
        for index in range(appliance.web.hub.mailbox_size + 50):
            appliance.services.bus.publish(FirmwareMessage(level="info", text=f"line {index}"))
        closing = await close_of(ws)
    assert closing.data == WSCloseCode.TRY_AGAIN_LATER
    assert "fell behind" in closing.extra


async def test_disconnected_client_leaves_no_subscription_behind(
    appliance: Appliance, api: aiohttp.ClientSession
) -> None:
    bus = appliance.services.bus
    before = len(bus._subs)
    async with api.ws_connect("/api/v1/ws") as ws:
        await receive_json(ws)
        assert len(bus._subs) == before + 1
    await wait_until(lambda: appliance.web.hub.count == 0 and len(bus._subs) == before)


async def test_shutdown_closes_every_websocket_promptly(tmp_path: Path) -> None:
    app = await started(tmp_path / "data")
    stopped = False
    try:
        async with client(app) as session:
            clients = [await session.ws_connect("/api/v1/ws") for _ in range(3)]
            for ws in clients:
                await receive_json(ws)
            started_at = time.monotonic()
            stop = asyncio.create_task(app.stop())
            closes = [await close_of(ws) for ws in clients]
            await stop
            stopped = True
            assert time.monotonic() - started_at < 10
            assert all(message.data == WSCloseCode.GOING_AWAY for message in closes)
            assert all("shutting down" in message.extra for message in closes)
            for ws in clients:
                await ws.close()
    finally:
        if not stopped:
            await app.stop()


async def test_plain_http_request_to_the_websocket_is_a_json_400(api: aiohttp.ClientSession) -> None:
    async with api.get("/api/v1/ws") as response:
        body = await response.json()
    assert response.status == 400
    assert body["error"] == "bad_request" and "WebSocket" in body["message"]


async def test_events_of_every_frame_size_arrive_whole_in_order(appliance: Appliance) -> None:
    async with client(appliance) as api, api.ws_connect("/api/v1/ws") as ws:
        assert (await receive_json(ws))["type"] == "snapshot"
        # 7-bit, 16-bit and 64-bit WebSocket length fields.
        texts = ["x" * 10, "y" * 300, "z" * 70_000]
        for text in texts:
            appliance.services.bus.publish(FirmwareMessage(level="info", text=text))
        got = []
        while len(got) < len(texts):
            event = await receive_json(ws)
            if event["type"] == "firmware" and event["text"][:1] in "xyz":
                got.append(event["text"])
        assert got == texts

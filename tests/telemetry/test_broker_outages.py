"""A broker that is down, dies mid-print, or never answers: no event is lost, printing and the API never wait."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from edge.app import Appliance
from edge.core.events import JobStateChanged
from tests.gcode_files import layered_file
from tests.telemetry.broker import Broker, free_port, require_mosquitto, session_waiting_at, subscriber
from tests.telemetry.conftest import mqtt_appliance, validate
from tests.web.conftest import appliance_env, client
from tests.web.web_helpers import get_json, start_job, upload, wait_for_job, wait_for_progress


def long_print(tmp_path: Path) -> bytes:
    """About 6 s of real moves at simulator time scale 0.5: 30 layers of 4 moves of 10 mm at 50 mm/s."""
    path = tmp_path / "long.gcode"
    layered_file(path, layers=30, moves=4)
    return path.read_bytes()


async def test_broker_down_at_start_and_killed_mid_print_loses_no_event(tmp_path: Path) -> None:
    require_mosquitto()
    workdir = tmp_path / "broker"
    workdir.mkdir()
    broker = Broker(workdir)
    await session_waiting_at(broker, "fleet-consumer")  # then down: the appliance comes up without it
    overrides = {"simulator__time_scale": "0.5", "printer__temperature_interval_s": "0.5"}
    async with mqtt_appliance(tmp_path / "data", broker.url, **overrides) as app, client(app) as api:
        stored = await upload(api, "long.gcode", long_print(tmp_path))
        job = await start_job(api, stored["id"])
        await wait_for_progress(api, job["id"], 10)
        assert app.telemetry.health().ok is False
        await broker.start()
        # The persistent session: whatever is published before this subscriber connects waits for it.
        sub = await subscriber(broker.port, client_id="fleet-consumer", persistent=True)
        try:
            await sub.wait_for(lambda s: any(e["type"] == "job.started" for e in s.events()), what="job.started")
            await wait_for_progress(api, job["id"], 60)
            broker.kill()
            await asyncio.sleep(1.0)
            # Pause and resume while the broker is gone: these events wait in the outbox.
            async with api.post(f"/api/v1/jobs/{job['id']}/pause") as response:
                assert response.status == 200, await response.text()
            await wait_for_job(api, job["id"], "paused")
            async with api.post(f"/api/v1/jobs/{job['id']}/resume") as response:
                assert response.status == 200, await response.text()
            await broker.start()
            final = await wait_for_job(api, job["id"], "completed", within=60)
            await sub.wait_for(
                lambda s: (
                    any(e["type"] == "job.finished" for e in s.events())
                    and (s.last_json("state") or {}).get("jobs", {}).get("current") is None
                ),
                what="job.finished and the retained idle state",
            )
        finally:
            sub.stop()
        assert app.simulator is not None and app.simulator.stats.underruns == 0
    events = sub.events()
    for event in events:
        validate("events", event)
    unique = {event["id"]: event for event in events}
    job_types = Counter(e["type"] for e in unique.values() if e["data"].get("job_id") == job["id"])
    assert job_types == Counter({"job.started": 1, "job.paused": 1, "job.resumed": 1, "job.finished": 1}), events
    assert final["state"] == "completed"
    late = await subscriber(broker.port)
    try:
        await late.wait_for(lambda s: bool(s.on("state")) and bool(s.on("status")), what="retained after the outage")
        assert late.last_json("state")["jobs"]["current"] is None
        assert late.last_json("status")["state"] == "offline"  # the appliance has stopped cleanly by now
    finally:
        late.stop()
        broker.stop()


async def test_events_stored_while_the_broker_is_down_survive_a_restart(tmp_path: Path) -> None:
    require_mosquitto()
    workdir = tmp_path / "broker"
    workdir.mkdir()
    broker = Broker(workdir)
    data = tmp_path / "data"
    async with mqtt_appliance(data, broker.url) as app:
        before = await app.telemetry.outbox.count()  # the link's own state changes at start
        for job_id in (901, 902):
            app.services.bus.publish(_job_event(job_id, "completed"))
        await _until_pending(app, before + 2)
    await broker.start()
    sub = await subscriber(broker.port)
    try:
        async with mqtt_appliance(data, broker.url):
            await sub.wait_for(
                lambda s: {901, 902} <= {e["data"].get("job_id") for e in s.events()}, what="events from before"
            )
    finally:
        sub.stop()
        broker.stop()


async def test_the_outbox_drops_the_oldest_beyond_its_bound_and_says_so(tmp_path: Path) -> None:
    require_mosquitto()
    workdir = tmp_path / "broker"
    workdir.mkdir()
    broker = Broker(workdir)
    await session_waiting_at(broker, "fleet-consumer")
    async with mqtt_appliance(tmp_path / "data", broker.url, mqtt__outbox_max_events="10") as app:
        before = await app.telemetry.outbox.count()  # the link's own state changes at start
        dropped = before + 25 - 10
        for job_id in range(1001, 1026):
            app.services.bus.publish(_job_event(job_id, "completed"))
        await _until(lambda: app.telemetry.dropped == dropped, f"{dropped} dropped")
        assert await app.telemetry.outbox.count() == 10
        assert f"{dropped} event(s) dropped" in app.telemetry.health().detail
        assert app.telemetry.status()["outbox"]["dropped"] == dropped  # type: ignore[index]
        await broker.start()
        sub = await subscriber(broker.port, client_id="fleet-consumer", persistent=True)
        try:
            await sub.wait_for(lambda s: len(s.events()) >= 10 and bool(s.on("health")), what="the 10 kept events")
            events = [e for e in sub.events() if e["type"] == "job.finished"]
            assert sorted(e["data"]["job_id"] for e in events) == list(range(1016, 1026))
            assert all(e["outbox_dropped"] == dropped for e in events)
            health = sub.last_json("health")
            validate("health", health)
            assert health["outbox"]["dropped"] == dropped
        finally:
            sub.stop()
    assert app.telemetry.outbox.dropped == dropped
    broker.stop()


async def test_a_broker_that_never_answers_does_not_delay_the_api(tmp_path: Path) -> None:
    accepted: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # accept, read nothing, answer nothing

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    overrides = {"simulator__time_scale": "0.5", "mqtt__connect_timeout_s": "1"}
    try:
        async with (
            mqtt_appliance(tmp_path / "data", f"mqtt://127.0.0.1:{port}", **overrides) as app,
            client(app) as api,
        ):
            stored = await upload(api, "long.gcode", long_print(tmp_path))
            job = await start_job(api, stored["id"])
            slowest = 0.0
            deadline = time.monotonic() + 4.0
            while time.monotonic() < deadline:
                began = time.monotonic()
                await get_json(api, "/api/v1/status")
                await get_json(api, f"/api/v1/jobs/{job['id']}")
                slowest = max(slowest, time.monotonic() - began)
                await asyncio.sleep(0.05)
            assert accepted, "the appliance never tried the silent broker"
            assert slowest < 1.0, f"an API request took {slowest:.2f} s"
            assert app.telemetry.health().ok is False
            assert "did not accept the connection" in app.telemetry.health().detail
    finally:
        server.close()
        for writer in accepted:
            writer.close()


async def test_a_killed_appliance_leaves_offline_as_its_last_will(tmp_path: Path) -> None:
    require_mosquitto()
    workdir = tmp_path / "broker"
    workdir.mkdir()
    broker = Broker(workdir)
    await broker.start()
    sub = await subscriber(broker.port)
    env = dict(os.environ) | appliance_env(tmp_path / "data") | {"PRINTEDGE_MQTT__URL": broker.url}
    env["PRINTEDGE_API__PORT"] = str(free_port())
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "edge.cli", "run", env=env)
    try:
        await sub.wait_for(lambda s: (s.last_json("status") or {}).get("state") == "online", what="online")
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        await sub.wait_for(lambda s: s.last_json("status")["state"] == "offline", what="the last will")
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        sub.stop()
    late = await subscriber(broker.port)
    try:
        await late.wait_for(lambda s: bool(s.on("status")), what="retained offline")
        assert late.last_json("status")["state"] == "offline" and late.on("status")[-1].retain
    finally:
        late.stop()
        broker.stop()


def _job_event(job_id: int, state: str) -> JobStateChanged:
    return JobStateChanged(job_id=job_id, state=state)


async def _until(predicate: Callable[[], bool], what: str, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {within} s: {what}")


async def _until_pending(app: Appliance, count: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if await app.telemetry.outbox.count() == count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"outbox never held {count} events")

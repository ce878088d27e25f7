"""The appliance as a whole: components start in order, failures stay contained, the data directory is locked."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from edge.app import Appliance
from edge.config.loader import load_config
from edge.control.caller import Caller, CallerKind
from edge.core.component import Health
from edge.core.errors import InstanceLockedError
from edge.printer.link import LinkState
from edge.store.lock import DataDirLock


def appliance(data_dir: Path) -> Appliance:
    """A fully virtual appliance with its API on a free port."""
    env = {
        "PRINTEDGE_DEVICE__NAME": "test-edge",
        "PRINTEDGE_DEVICE__DATA_DIR": str(data_dir),
        "PRINTEDGE_PRINTER__PORT": "virtual",
        "PRINTEDGE_SIMULATOR__TIME_SCALE": "0.001",
        "PRINTEDGE_API__PORT": "0",
        "PRINTEDGE_DISCOVERY__ENABLED": "false",
    }
    return Appliance(load_config(env=env))


class Broken:
    """A component that fails where it is told to, and remembers what was asked of it."""

    def __init__(self, name: str, *, on_start: BaseException | None = None, on_stop: BaseException | None = None):
        self.name = name
        self.on_start = on_start
        self.on_stop = on_stop
        self.calls: list[str] = []

    async def start(self) -> None:
        self.calls.append("start")
        if self.on_start is not None:
            raise self.on_start

    async def stop(self) -> None:
        self.calls.append("stop")
        if self.on_stop is not None:
            raise self.on_stop

    def status(self) -> dict[str, object]:
        return {}

    def health(self) -> Health:
        return Health(True, "fine")


async def until_link_ready(app: Appliance) -> None:
    for _ in range(200):
        if app.services.link.state is LinkState.READY:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"printer link did not become ready: {app.services.link.state.value}")


@pytest.fixture
async def api_of() -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client; tests pass the appliance's full URL."""
    async with aiohttp.ClientSession() as session:
        yield session


async def get_json(session: aiohttp.ClientSession, url: str, key: str | None = None) -> tuple[int, Any]:
    async with session.get(url, headers={"X-Api-Key": key} if key else None) as response:
        return response.status, await response.json()


async def test_a_component_that_raises_anything_on_start_is_unhealthy_and_the_rest_keep_serving(
    tmp_path: Path, api_of: aiohttp.ClientSession
) -> None:
    app = appliance(tmp_path / "data")
    broken = Broken("sensors", on_start=RuntimeError("GPIO chip /dev/gpiochip9 not found"))
    app.components.insert(2, broken)  # between the store and the printer link
    try:
        await app.start()
        await until_link_ready(app)
        status, health = await get_json(api_of, f"{app.web.url}/health")
        assert status == 503 and health["ok"] is False
        components = health["components"]
        assert components["sensors"] == {
            "ok": False,
            "detail": "failed to start: RuntimeError: GPIO chip /dev/gpiochip9 not found",
        }
        assert all(report["ok"] for name, report in components.items() if name != "sensors"), components
        assert set(components) == {
            "virtual_printer",
            "store",
            "ota",
            "sensors",
            "printer",
            "jobs",
            "pipeline",
            "control",
            "web",
            "thermal_watchdog",
            "discovery",
            "host",
            "mqtt",
        }
        key, _ = await app.web.auth.keys.create("tests", Caller(CallerKind.CLI, "tests"))
        status, body = await get_json(api_of, f"{app.web.url}/api/v1/status", key)
        assert status == 200 and body["printer"]["state"] == "ready"
    finally:
        await app.stop()
    assert broken.calls == ["start"]  # never stopped: it never started


async def test_a_component_that_fails_to_stop_does_not_keep_the_others_running(
    tmp_path: Path, api_of: aiohttp.ClientSession
) -> None:
    app = appliance(tmp_path / "data")
    first_to_stop = Broken("telemetry", on_stop=RuntimeError("broker hung up"))
    app.components.append(first_to_stop)
    try:
        await app.start()
        url = app.web.url
    finally:
        await app.stop()
    assert first_to_stop.calls == ["start", "stop"]
    assert not app.services.db.is_open
    with pytest.raises(aiohttp.ClientConnectionError):
        await get_json(api_of, f"{url}/health")
    await app.stop()  # stopping again stops nothing twice
    assert first_to_stop.calls == ["start", "stop"]


class SlowToStop(Broken):
    """A component whose stop() waits until the test lets it finish."""

    def __init__(self) -> None:
        super().__init__("slow")
        self.stopping = asyncio.Event()
        self.may_finish = asyncio.Event()

    async def stop(self) -> None:
        self.stopping.set()
        await self.may_finish.wait()


async def test_the_data_directory_stays_locked_until_every_component_has_stopped(tmp_path: Path) -> None:
    app = appliance(tmp_path / "data")
    slow = SlowToStop()
    app.components.insert(0, slow)  # stopped last
    running = asyncio.create_task(app.run())
    try:
        for _ in range(200):
            if app.web.port:
                break
            await asyncio.sleep(0.05)
        app.request_stop()
        await asyncio.wait_for(slow.stopping.wait(), 30)
        assert not app.services.db.is_open  # everything else has stopped already
        with pytest.raises(InstanceLockedError, match=rf"\(pid {os.getpid()}\) is using data directory"):
            await asyncio.to_thread(DataDirLock(tmp_path / "data").acquire)
        slow.may_finish.set()
        await asyncio.wait_for(running, 30)
    finally:
        slow.may_finish.set()
        app.request_stop()
        await running
    after = DataDirLock(tmp_path / "data")
    await asyncio.to_thread(after.acquire)
    await asyncio.to_thread(after.release)


async def test_run_refuses_a_locked_data_directory_before_starting_anything(tmp_path: Path) -> None:
    held = DataDirLock(tmp_path / "data")
    await asyncio.to_thread(held.acquire)
    try:
        app = appliance(tmp_path / "data")
        with pytest.raises(InstanceLockedError, match=rf"\(pid {os.getpid()}\)"):
            await app.run()
        assert not app.services.db.is_open
        assert not (tmp_path / "data" / "printedge.db").exists()
        assert not (tmp_path / "data" / "virtual-printer").exists()
    finally:
        await asyncio.to_thread(held.release)


async def test_the_appliance_keeps_its_device_identity_across_restarts(tmp_path: Path) -> None:
    app = appliance(tmp_path / "data")
    assert app.identity is None  # nothing is read before start()
    try:
        await app.start()
    finally:
        await app.stop()
    assert app.identity is not None and app.identity.name == "test-edge"
    again = appliance(tmp_path / "data")
    try:
        await again.start()
    finally:
        await again.stop()
    assert again.identity == app.identity


async def test_a_corrupted_device_id_is_reported_and_printing_still_works(
    tmp_path: Path, api_of: aiohttp.ClientSession
) -> None:
    id_file = tmp_path / "data" / "device-id"
    id_file.parent.mkdir()
    id_file.write_bytes(b"\x00\x00\x00")
    app = appliance(tmp_path / "data")
    try:
        await app.start()
        await until_link_ready(app)
        _, health = await get_json(api_of, f"{app.web.url}/health")
    finally:
        await app.stop()
    assert app.identity is None
    assert health["components"]["identity"]["ok"] is False
    assert health["components"]["identity"]["detail"].startswith(f"device id file {id_file} is corrupted")
    assert all(report["ok"] for name, report in health["components"].items() if name != "identity")
    assert id_file.read_bytes() == b"\x00\x00\x00"  # never silently replaced

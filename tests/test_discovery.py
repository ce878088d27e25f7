"""mDNS across processes: a browser elsewhere finds the device with the right TXT, sees it leave, and a twin is renamed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import edge
from edge.app import Appliance
from edge.web.octoprint.version import API_VERSION, SERVER_VERSION
from tests.web.conftest import no_blocking_in_edge, started

BROWSER = Path(__file__).with_name("mdns_browser.py")
Event = dict[str, Any]


class Browser:
    """The browser process's events, read line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.seen: list[Event] = []

    async def until(self, wanted: Callable[[Event], bool], within: float = 15.0) -> Event:
        """The first event (seen before or arriving within the time) that matches."""
        for event in self.seen:
            if wanted(event):
                return event
        assert self.process.stdout is not None
        async with asyncio.timeout(within):
            while True:
                line = await self.process.stdout.readline()
                assert line, f"the browser ended; it saw {self.seen}"
                event = json.loads(line)
                self.seen.append(event)
                if wanted(event):
                    return event


@contextlib.asynccontextmanager
async def browsing() -> AsyncIterator[Browser]:
    """A zeroconf browser in another process, on loopback."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(BROWSER), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    browser = Browser(process)
    try:
        await browser.until(lambda e: e["event"] == "browsing")
        yield browser
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 5)
        except TimeoutError:
            process.kill()
            await process.wait()


async def advertising(data_dir: Path, name: str) -> Appliance:
    """An appliance advertised on loopback under this device name."""
    return await started(data_dir, device__name=name, discovery__enabled="true", discovery__interfaces="loopback")


async def announced(app: Appliance) -> dict[str, Any]:
    """The discovery component's status once every service is registered."""
    discovery = next(c for c in app.components if c.name == "discovery")
    for _ in range(200):
        status = discovery.status()
        if len(status["services"]) == 3:  # type: ignore[arg-type]
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"not announced: {discovery.health()}")


def added(type_: str, name: str) -> Callable[[Event], bool]:
    """Matches the resolved service of this type and instance name."""
    return lambda e: e["event"] == "added" and e["name"] == f"{name}.{type_}"


async def test_a_browser_in_another_process_finds_the_device_and_sees_it_leave(tmp_path: Path) -> None:
    async with browsing() as browser:
        app = await advertising(tmp_path / "data", "Shop Printer")
        stopped = False
        try:
            with no_blocking_in_edge():
                await announced(app)
                assert app.identity is not None
                device_id, port = app.identity.id, app.web.port
                found = await browser.until(added("_printedge._tcp.local.", "Shop Printer"))
                assert found["port"] == port and found["addresses"] == ["127.0.0.1"]
                assert found["server"] == f"{device_id}.local."
                assert found["properties"] == {
                    "id": device_id,
                    "name": "Shop Printer",
                    "version": edge.__version__,
                    "api": "/api/v1",
                    "ip": "127.0.0.1",
                }
                http = await browser.until(added("_http._tcp.local.", "Shop Printer"))
                assert http["port"] == port and http["properties"] == {"path": "/"}
                octoprint = await browser.until(added("_octoprint._tcp.local.", "Shop Printer"))
                assert octoprint["properties"] == {
                    "path": "/",
                    "api": API_VERSION,
                    "version": SERVER_VERSION,
                    "uuid": device_id,
                }
                await app.stop()
                stopped = True
            left = await browser.until(lambda e: e["event"] == "removed" and e["type"] == "_printedge._tcp.local.")
            assert left["name"] == "Shop Printer._printedge._tcp.local."
        finally:
            if not stopped:
                await app.stop()


async def test_a_second_device_with_the_same_name_is_renamed(tmp_path: Path) -> None:
    async with browsing() as browser:
        first = await advertising(tmp_path / "one", "Twin")
        try:
            assert (await announced(first))["instance"] == "Twin"
            second = await advertising(tmp_path / "two", "Twin")
            try:
                status = await announced(second)
                assert status["instance"] == "Twin (2)"
                renamed = await browser.until(added("_printedge._tcp.local.", "Twin (2)"))
                assert renamed["port"] == second.web.port != first.web.port
                assert "Twin (2)" in second.health()["discovery"]["detail"]  # type: ignore[index]
                await browser.until(added("_octoprint._tcp.local.", "Twin (2)"))
            finally:
                await second.stop()
        finally:
            await first.stop()

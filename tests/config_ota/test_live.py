"""Every section of an OTA config takes effect in the running process: reloaded in place or its components restarted."""

from __future__ import annotations

import asyncio
import secrets
import socket
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from edge.app import Appliance
from edge.control.caller import Caller, CallerKind
from edge.printer.link import LinkState
from edge.telemetry.signing import OperatorKey
from tests.config_ota.helpers import ota_appliance, signed, snapshot, trusting
from tests.test_discovery import added, browsing

# Sections the test environment would otherwise set (the environment wins over an OTA config).
FILE: dict[str, Any] = {
    "api": {"port": 0, "max_upload_mb": 64},
    "device": {"name": "before"},
    "discovery": {"enabled": False},
}


async def ready(app: Appliance) -> None:
    """Wait for the printer link to be ready again."""
    for _ in range(200):
        if app.services.link.state is LinkState.READY:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(app.services.link.status())


async def answers(url: str) -> bool:
    """Whether an HTTP server answers at url."""
    try:
        async with aiohttp.ClientSession() as session, session.get(f"{url}/api/v1/health") as response:
            return response.status in (200, 401)
    except aiohttp.ClientConnectionError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_jobs_limits_and_upload_settings_reach_the_queue_and_the_file_store(tmp_path: Path) -> None:
    key = OperatorKey.generate("ops")
    async with ota_appliance(tmp_path / "data", FILE, **trusting(key)) as app:
        content = {
            "jobs": {"park_x": 12.0, "end_script": ["M104 S0", "M84"]},
            "printer": {"limits": {"hotend_max_c": 240.0}},
            "api": {"port": 0, "max_upload_mb": 3},
        }
        report = await app.ota.submit("api", signed(key, 1, content))
        assert (report.status.value, report.message) == ("applied", "version 1 applied"), report
        assert app.manager.config.park_x == 12.0 and app.pipeline.config.end_script == ["M104 S0", "M84"]
        assert app.manager.limits.hotend_max_c == app.pipeline.limits.hotend_max_c == 240.0
        assert app.services.files.max_bytes == 3 * 1024 * 1024
        await ready(app)
        assert app.services.link.safety.limits.hotend_max_c == 240.0


async def test_a_new_api_port_is_served_and_the_old_one_closes(tmp_path: Path) -> None:
    key = OperatorKey.generate("ops")
    async with ota_appliance(tmp_path / "data", FILE, **trusting(key)) as app:
        old, port = app.web.url, free_port()
        report = await app.ota.submit("api", signed(key, 1, {"api": {"host": "127.0.0.1", "port": port}}))
        assert report.status.value == "applied", report
        assert app.web.url == f"http://127.0.0.1:{port}"
        assert await answers(app.web.url) and not await answers(old)


async def test_an_api_port_in_use_is_rolled_back_and_the_old_port_still_serves(tmp_path: Path) -> None:
    key = OperatorKey.generate("ops")
    async with ota_appliance(tmp_path / "data", FILE, **trusting(key)) as app:
        old = app.web.url
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            content = {"api": {"host": "127.0.0.1", "port": port}, "ota": {"health_deadline_s": 1.0}}
            report = await app.ota.submit("api", signed(key, 1, content))
        assert (report.status.value, report.reason, report.version) == ("rolled_back", "unhealthy", 0)
        assert "web unhealthy after 1 s" in report.message and f"127.0.0.1:{port}" in report.message, report
        assert await answers(app.web.url) and app.web.health().ok
        assert app.web.url.rsplit(":", 1)[0] == old.rsplit(":", 1)[0]
        assert yaml.safe_load(snapshot(app.data_dir)["applied.yaml"]) == {}


async def test_a_simulator_change_restarts_the_virtual_printer_and_the_link_reconnects(tmp_path: Path) -> None:
    key = OperatorKey.generate("ops")
    async with ota_appliance(tmp_path / "data", FILE, **trusting(key)) as app:
        before = app.simulator
        report = await app.ota.submit("api", signed(key, 1, {"simulator": {"dialect": "prusa"}}))
        assert report.status.value == "applied", report
        assert app.simulator is not before and app.simulator is not None
        assert app.simulator.settings.dialect == "prusa"
        await ready(app)
        assert "prusa" in str(app.services.link.profile.to_dict()).lower()
        await app.services.link.reset()  # the reset button is the new virtual printer's
        await ready(app)


async def test_switching_from_a_missing_port_to_the_virtual_printer_starts_it(tmp_path: Path) -> None:
    key = OperatorKey.generate("ops")
    file = FILE | {"printer": {"port": str(tmp_path / "no-such-tty")}}
    async with ota_appliance(tmp_path / "data", file, **trusting(key)) as app:
        assert app.simulator is None and not app.services.link.health().ok
        report = await app.ota.submit("api", signed(key, 1, {"printer": {"port": "virtual"}}))
        assert report.status.value == "applied", report
        assert app.simulator is not None and "virtual_printer" in app.health()
        await ready(app)
        report = await app.ota.submit("api", signed(key, 2, {"printer": {"port": str(tmp_path / "no-such-tty")}}))
        # The printer was healthy on the virtual port: a missing one makes it unhealthy, so it is rolled back.
        assert (report.status.value, report.version) == ("rolled_back", 1), report
        await ready(app)


async def test_auth_agents_gpio_safety_and_health_sections_take_effect(tmp_path: Path) -> None:
    key = OperatorKey.generate("ops")
    async with ota_appliance(tmp_path / "data", FILE, **trusting(key)) as app:
        sensors, watchdog, monitor = app.sensors, app.watchdog, app.monitor
        content = {
            "auth": {"session_hours": 2.0, "max_failures": 3},
            "agents": {"quality": "fine"},
            "gpio": {"pin_factory": "mock", "runout": {"pin": 17}},
            "safety": {"enabled": False},
            "health": {"interval_s": 2.0},
        }
        report = await app.ota.submit("api", signed(key, 1, content))
        assert (report.status.value, report.message) == ("applied", "version 1 applied"), report
        assert app.web.auth.owner.session_s == 7200.0 and app.web.auth.limiter.max_failures == 3
        assert app.pipeline.agents.config.quality == "fine"  # type: ignore[attr-defined]
        assert app.sensors is not sensors and app.services.sensors is app.sensors
        assert [d["name"] for d in app.sensors.status()["devices"]] == ["runout"]  # type: ignore[index]
        assert app.watchdog is not watchdog and not app.watchdog.status()["enabled"]
        assert app.monitor is not monitor and app.monitor.config.interval_s == 2.0
        assert all(h["ok"] for h in app.health().values()), app.health()  # type: ignore[index]
        # Back to no pins: the old sensors' gate on the queue goes with them.
        report = await app.ota.submit("api", signed(key, 2, {}))
        assert report.status.value == "applied", report
        assert app.manager.refusal("start") is None and app.sensors.status()["devices"] == []


async def test_pins_that_cannot_be_claimed_are_rolled_back_to_the_old_sensors(tmp_path: Path) -> None:
    key = OperatorKey.generate("ops")
    async with ota_appliance(tmp_path / "data", FILE, **trusting(key)) as app:
        # The real pin factory on a machine without GPIO: the sensors cannot start.
        content = {"gpio": {"pin_factory": "default", "runout": {"pin": 17}}, "ota": {"health_deadline_s": 0.5}}
        report = await app.ota.submit("api", signed(key, 1, content))
        assert (report.status.value, report.reason) == ("rolled_back", "unhealthy"), report
        assert "sensors unhealthy" in report.message
        assert app.sensors.health().ok and app.config.gpio.runout.pin == -1


async def test_a_new_device_name_is_advertised_to_a_browser_in_another_process(tmp_path: Path) -> None:
    key = OperatorKey.generate("ops")
    # Names of this run only: mDNS on loopback is shared by everything on the machine.
    before, after = (f"{name}-{secrets.token_hex(3)}" for name in ("before", "after"))
    file = FILE | {"device": {"name": before}, "discovery": {"enabled": True, "interfaces": "loopback"}}
    async with browsing() as browser, ota_appliance(tmp_path / "data", file, **trusting(key)) as app:
        await browser.until(added("_printedge._tcp.local.", before))
        report = await app.ota.submit("api", signed(key, 1, {"device": {"name": after}}))
        assert report.status.value == "applied", report
        assert app.identity is not None and app.identity.name == after
        found = await browser.until(added("_printedge._tcp.local.", after))
        assert found["port"] == app.web.port and found["properties"]["name"] == after  # type: ignore[index]


async def test_a_printer_change_never_lifts_an_emergency_stop(tmp_path: Path) -> None:
    key = OperatorKey.generate("ops")
    async with ota_appliance(tmp_path / "data", FILE, **trusting(key)) as app:
        await app.services.control.emergency_stop(Caller(CallerKind.CLI, "tests"), "test")
        report = await app.ota.submit(
            "api", signed(key, 1, {"printer": {"probe_attempts": 7}, "simulator": {"dialect": "prusa"}})
        )
        assert report.status.value == "applied", report
        await asyncio.sleep(0.5)
        assert app.services.link.state is LinkState.HALTED
        assert app.services.link.config.probe_attempts == 7
        await app.services.control.reset(Caller(CallerKind.CLI, "tests"))
        await ready(app)
        assert "prusa" in str(app.services.link.profile.to_dict()).lower()

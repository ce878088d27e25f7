"""Fixtures for the fleet tests: a real mosquitto on a free loopback port, an operator key, a started appliance."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from edge.app import Appliance
from edge.store.state import ApplianceState
from edge.telemetry.commands import FleetCommands
from edge.telemetry.signing import OperatorKey
from tests.web.conftest import started

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[str]:
    """A mosquitto of its own on 127.0.0.1 (anonymous, no persistence); yields its mqtt:// URL."""
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    log = (tmp_path / "mosquitto.log").open("wb")
    process = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        f"mosquitto did not start: {(tmp_path / 'mosquitto.log').read_text()}"
                    ) from None
                time.sleep(0.05)
        yield f"mqtt://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)
        log.close()


@pytest.fixture
def operator() -> OperatorKey:
    """The operator key the test appliance trusts."""
    return OperatorKey.generate("ops")


@dataclass
class Fleet:
    """A started appliance and the FleetCommands in front of its control surface."""

    app: Appliance
    commands: FleetCommands
    device_id: str
    data_dir: Path


async def fleet_of(app: Appliance, data_dir: Path) -> Fleet:
    """FleetCommands for a started appliance, configured from the appliance's own config."""
    assert app.identity is not None
    commands = FleetCommands(app.services.control, app.identity.id, app.config.fleet, ApplianceState(app.services.db))
    return Fleet(app, commands, app.identity.id, data_dir)


def fleet_overrides(operator: OperatorKey, **more: str) -> dict[str, str]:
    """Environment overrides that make an appliance trust the operator key."""
    return {"FLEET__TRUSTED_KEYS": f'["{operator.trusted_line()}"]', **more}


@pytest.fixture
async def fleet(tmp_path: Path, operator: OperatorKey) -> AsyncIterator[Fleet]:
    """A started appliance (virtual printer) that trusts `operator`, with its FleetCommands."""
    data_dir = tmp_path / "data"
    app = await started(data_dir, **fleet_overrides(operator))
    try:
        yield await fleet_of(app, data_dir)
    finally:
        await app.stop()

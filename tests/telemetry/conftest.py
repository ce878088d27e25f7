"""Fixtures for the MQTT and fleet tests: a real mosquitto per test, the appliance publishing to it, operator keys."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from edge.app import Appliance
from edge.store.state import ApplianceState
from edge.telemetry.commands import FleetCommands
from edge.telemetry.signing import OperatorKey
from tests.telemetry.broker import Broker, require_mosquitto
from tests.web.conftest import no_blocking_in_edge, started

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "mqtt-schemas"
TOPICS = ("status", "state", "telemetry", "events", "health")


def validate(topic: str, payload: Any) -> None:
    """Check a payload against the JSON Schema docs/mqtt.md documents for its topic."""
    schema = json.loads((SCHEMAS / f"{topic}.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(payload)


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[Broker]:
    """A started mosquitto on a free port of 127.0.0.1, anonymous."""
    require_mosquitto()
    instance = Broker(tmp_path / "broker")
    instance.workdir.mkdir()
    await instance.start()
    try:
        yield instance
    finally:
        instance.stop()


@contextlib.asynccontextmanager
async def mqtt_appliance(data_dir: Path, url: str, **overrides: str) -> AsyncIterator[Appliance]:
    """The appliance publishing to url (fast intervals), with no blocking call allowed in edge code."""
    settings = {
        "mqtt__url": url,
        "mqtt__telemetry_interval_s": "0.5",
        "mqtt__state_max_rate_hz": "10",
        "mqtt__reconnect_min_backoff_s": "0.2",
        "mqtt__reconnect_max_backoff_s": "1",
        "mqtt__connect_timeout_s": "2",
    }
    settings.update(overrides)
    app = await started(data_dir, **settings)
    with no_blocking_in_edge():
        try:
            yield app
        finally:
            await app.stop()


@pytest.fixture
def broker_url(broker: Broker) -> str:
    """The started mosquitto's mqtt:// URL."""
    return broker.url


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

"""Fixtures for the MQTT tests: a real mosquitto per test, the appliance publishing to it, the docs' schemas."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from edge.app import Appliance
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

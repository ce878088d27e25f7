"""Fixtures for the OTA config tests: a real mosquitto per test, and the operator key the devices pin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from edge.telemetry.signing import OperatorKey
from tests.telemetry.broker import Broker, require_mosquitto


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


@pytest.fixture
def operator() -> OperatorKey:
    """The operator key the devices pin."""
    return OperatorKey.generate("ops")

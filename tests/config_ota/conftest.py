"""Fixtures for the OTA config tests: the fleet tests' real mosquitto per test and operator key the devices pin."""

from __future__ import annotations

from tests.telemetry.conftest import broker, operator

__all__ = ["broker", "operator"]

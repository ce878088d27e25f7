"""The fleet monitor's table and broker URLs, without a broker."""

from __future__ import annotations

import json

import pytest

from edge.telemetry.broker import BrokerError, BrokerUrl
from edge.telemetry.monitor import FleetMonitor

NOW = 1_800_000_000.0


def test_a_device_is_built_from_its_status_state_health_and_events() -> None:
    monitor = FleetMonitor()
    monitor.update("printedge/pe-a01/status", json.dumps({"status": "online", "name": "Workshop"}).encode(), NOW)
    state = {"ts": NOW - 5, "printer": {"state": "halted", "temperatures": {"hotend": 25.4, "bed": None}}, "job": None}
    monitor.update("printedge/pe-a01/state", json.dumps(state).encode(), NOW)
    monitor.update(
        "printedge/pe-a01/health", json.dumps({"components": {"link": {"ok": False, "detail": "lost"}}}).encode(), NOW
    )
    monitor.update(
        "printedge/pe-a01/events", json.dumps({"level": "error", "message": "thermal runaway"}).encode(), NOW
    )
    ((device, name, online, printer, job, progress, hotend, bed, seen, warnings),) = monitor.rows(NOW)
    assert (device, name, online, printer, job, progress) == ("pe-a01", "Workshop", "online", "halted", "-", "-")
    assert (hotend, bed, seen) == ("25/-", "-", "0s ago")
    assert warnings == "printer halted; link: lost; thermal runaway"


def test_a_device_that_went_quiet_is_flagged_and_others_topics_are_ignored() -> None:
    monitor = FleetMonitor()
    monitor.update("printedge/pe-b02/status", b"online", NOW - 600)
    for ignored in ("printedge/fleet/cmd", "printedge/pe-b02/cmd", "printedge/operator/x/result", "other/pe-b02/state"):
        monitor.update(ignored, b"{}", NOW)
    assert list(monitor.devices) == ["pe-b02"]
    assert "silent for 10m" in monitor.rows(NOW)[0][9]


def test_the_table_has_aligned_columns_and_colours_only_when_asked() -> None:
    monitor = FleetMonitor()
    monitor.update("printedge/pe-c03/status", b"offline", NOW)
    monitor.update("printedge/pe-long-device-name/status", b"online", NOW)
    plain = monitor.render(NOW)
    header, first, second = plain.splitlines()
    assert header.index("ONLINE") == first.index("offline") == second.index("online")
    assert "\x1b[" not in plain and "\x1b[31m" in monitor.render(NOW, color=True)
    assert "no device has published yet" in FleetMonitor().render(NOW)


def test_broker_urls() -> None:
    url = BrokerUrl.parse("mqtts://fleet%40ops:p%3Ass@broker.example:8884")
    assert (url.host, url.port, url.tls, url.username, url.password) == (
        "broker.example",
        8884,
        True,
        "fleet@ops",
        "p:ss",
    )
    assert url.display() == "mqtts://fleet@ops@broker.example:8884"
    assert BrokerUrl.parse("mqtt://localhost").port == 1883
    for bad in ("http://x", "mqtt://", "mqtt://h:99999", "mqtt://h/path"):
        with pytest.raises(BrokerError):
            BrokerUrl.parse(bad)

"""Over a real mosquitto: a fleet push reaches every device with its override; a broken broker URL is rolled back."""

from __future__ import annotations

import asyncio
from pathlib import Path

from edge.telemetry.signing import OperatorKey
from tests.config_ota.helpers import (
    device_id,
    mqtt_file,
    ota_appliance,
    push,
    reported,
    signed,
    start_appliance,
    trusting,
)
from tests.telemetry.broker import Broker, free_port, subscriber


async def test_a_fleet_push_reaches_three_devices_each_with_its_override(
    tmp_path: Path, broker: Broker, operator: OperatorKey
) -> None:
    sub = await subscriber(broker.port, topic_filter="printedge/+/config/reported")
    apps = [await start_appliance(tmp_path / f"data{i}", mqtt_file(broker.url), **trusting(operator)) for i in range(3)]
    try:
        ids = [device_id(app) for app in apps]
        await sub.wait_for(lambda s: all(reported(s, d) is not None for d in ids), what="a first report from each")
        overrides = {ident: {"audit": {"max_entries": 1000 + n}} for n, ident in enumerate(ids)}
        content = {"mqtt": {"telemetry_interval_s": 0.7}, "audit": {"max_entries": 999}}
        await asyncio.to_thread(push, broker.url, signed(operator, 7, content, overrides=overrides))
        await sub.wait_for(
            lambda s: all(
                (reported(s, d) or {}).get("status") == "applied" and reported(s, d)["version"] == 7 for d in ids
            ),
            within=30,
            what="applied version 7 on all three",
        )
        for n, app in enumerate(apps):
            assert app.config.audit.max_entries == 1000 + n
            assert app.config.mqtt.telemetry_interval_s == 0.7
            assert app.telemetry.link is not None and app.telemetry.link.connected
    finally:
        for app in apps:
            await app.stop()
        sub.stop()


async def test_an_unreachable_broker_is_rolled_back_and_the_report_says_why(
    tmp_path: Path, broker: Broker, operator: OperatorKey
) -> None:
    sub = await subscriber(broker.port, topic_filter="printedge/+/config/reported")
    async with ota_appliance(tmp_path / "data", mqtt_file(broker.url), **trusting(operator)) as app:
        ident = device_id(app)
        await sub.wait_for(lambda s: reported(s, ident) is not None, what="a first report")
        nowhere = f"mqtt://127.0.0.1:{free_port()}"
        content = {"mqtt": {"url": nowhere}, "ota": {"health_deadline_s": 1.5}}
        await asyncio.to_thread(push, broker.url, signed(operator, 3, content), device=ident)
        await sub.wait_for(
            lambda s: (reported(s, ident) or {}).get("status") == "rolled_back", within=30, what="rolled_back"
        )
        report = reported(sub, ident)
        assert report["version"] == 0 and report["desired"] == 3
        assert "mqtt unhealthy" in report["message"] and "Connection refused" in report["message"]
        assert report["reason"] == "unhealthy"
        assert app.config.mqtt.url == broker.url
        assert app.telemetry.link is not None and app.telemetry.link.connected
        entries = await app.ota.audit.list()
        assert entries[0].status == "rolled_back" and entries[0].source == "mqtt:device"
    sub.stop()

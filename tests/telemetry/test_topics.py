"""What the appliance publishes: every topic, every payload valid against the schema docs/mqtt.md documents."""

from __future__ import annotations

import asyncio
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from edge.core.events import HostWarning, SafetyTrip, SensorEvent
from tests.telemetry.broker import Broker, free_port, subscriber
from tests.telemetry.conftest import TOPICS, mqtt_appliance, validate
from tests.web.conftest import client
from tests.web.web_helpers import SMALL_PRINT, start_job, upload, wait_for_job


async def test_every_published_payload_matches_its_documented_schema(tmp_path: Path, broker: Broker) -> None:
    sub = await subscriber(broker.port)
    try:
        async with mqtt_appliance(tmp_path / "data", broker.url) as app, client(app) as api:
            await sub.wait_for(lambda s: bool(s.on("status")), what="status online")
            stored = await upload(api, "small.gcode", SMALL_PRINT)
            job = await start_job(api, stored["id"])
            await wait_for_job(api, job["id"], "completed")
            await sub.wait_for(
                lambda s: any(e["type"] == "job.finished" for e in s.events()) and bool(s.on("telemetry")),
                what="job.finished and telemetry",
            )
        await sub.wait_for(lambda s: s.last_json("status")["state"] == "offline", what="offline")
    finally:
        sub.stop()
    for topic in TOPICS:
        assert sub.on(topic), f"nothing published on {topic}"
        for message in sub.on(topic):
            validate(topic, message.json())
    types = [event["type"] for event in sub.events()]
    assert types.index("job.started") < types.index("job.finished")
    assert len({event["id"] for event in sub.events()}) == len(sub.events())
    device = sub.on("status")[0].topic.split("/")[1]
    assert all(message.topic.startswith(f"printedge/{device}/") for message in sub.messages)


async def test_status_state_and_health_are_retained_for_a_late_subscriber(tmp_path: Path, broker: Broker) -> None:
    async with mqtt_appliance(tmp_path / "data", broker.url) as app:
        assert app.identity is not None
        early = await subscriber(broker.port)
        try:
            await early.wait_for(lambda s: bool(s.on("health")) and bool(s.on("state")), what="state and health")
        finally:
            early.stop()
        late = await subscriber(broker.port)
        try:
            await late.wait_for(lambda s: all(s.on(t) for t in ("status", "state", "health")), what="retained")
            assert all(m.retain for t in ("status", "state", "health") for m in late.on(t)[:1])
            assert late.last_json("status")["state"] == "online"
            assert late.last_json("state")["printer"]["state"] == "ready"
            assert late.last_json("health")["components"]["mqtt"]["ok"] is True
            assert late.on("status")[0].topic == f"printedge/{app.identity.id}/status"
        finally:
            late.stop()


async def test_a_clean_stop_publishes_offline_retained(tmp_path: Path, broker: Broker) -> None:
    async with mqtt_appliance(tmp_path / "data", broker.url):
        pass
    late = await subscriber(broker.port)
    try:
        await late.wait_for(lambda s: bool(s.on("status")), what="retained status")
        assert late.last_json("status")["state"] == "offline"
        assert late.on("status")[-1].retain
    finally:
        late.stop()


async def test_websockets_transport(tmp_path: Path) -> None:
    broker = Broker(tmp_path / "broker", ws_port=free_port())
    broker.workdir.mkdir()
    await broker.start()
    sub = await subscriber(broker.port)
    try:
        async with mqtt_appliance(tmp_path / "data", f"ws://127.0.0.1:{broker.ws_port}", mqtt__protocol="3.1.1") as app:
            await sub.wait_for(lambda s: bool(s.on("state")), what="state over websockets")
            assert app.telemetry.health().ok
            assert sub.last_json("status")["state"] == "online"
    finally:
        sub.stop()
        broker.stop()


async def test_without_a_broker_url_telemetry_is_off_and_healthy(tmp_path: Path) -> None:
    async with mqtt_appliance(tmp_path / "data", "") as app:
        assert app.telemetry.health().ok
        assert app.telemetry.status() == {"enabled": False}


async def test_host_warnings_sensor_changes_and_safety_trips_are_events_for_the_fleet(
    tmp_path: Path, broker: Broker
) -> None:
    async with mqtt_appliance(tmp_path / "data", broker.url) as app:
        watcher = await subscriber(broker.subscriber_port)
        try:
            await watcher.wait_for(lambda s: bool(s.on("status")), what="the device online")
            bus = app.services.bus
            bus.publish(HostWarning(condition="under_voltage", message="under-voltage now (0x50005)"))
            bus.publish(SensorEvent(device="runout", state="runout", active=True, action="paused job 1"))
            bus.publish(SafetyTrip(heater="hotend", rule="not_heating", temperature=31.0, target=210.0, detail="dead"))
            kinds = ("host.warning", "sensor.changed", "safety.trip")
            await watcher.wait_for(lambda s: {e["type"] for e in s.events()} >= set(kinds), what="the three events")
            events = {e["type"]: e for e in watcher.events()}
            for kind in kinds:
                validate("events", events[kind])
            assert events["host.warning"]["data"] == {
                "condition": "under_voltage",
                "message": "under-voltage now (0x50005)",
            }
            assert events["sensor.changed"]["data"]["action"] == "paused job 1"
            assert events["safety.trip"]["data"]["rule"] == "not_heating"
        finally:
            watcher.stop()


async def test_metrics_show_the_broker_connection_and_the_outbox(tmp_path: Path, broker: Broker) -> None:
    async with mqtt_appliance(tmp_path / "data", broker.url) as app, client(app) as api:
        families: dict[str, float] = {}
        for _ in range(50):
            async with api.get("/metrics") as response:
                text = await response.text()
            families = {
                sample.name: sample.value
                for family in text_string_to_metric_families(text)
                for sample in family.samples
            }
            if families.get("printedge_mqtt_connected") == 1.0:
                break
            await asyncio.sleep(0.1)
        assert families.get("printedge_mqtt_connected") == 1.0, families
        assert families.get("printedge_outbox_depth") is not None
        broker.kill()
        for _ in range(100):
            async with api.get("/metrics") as response:
                text = await response.text()
            if "printedge_mqtt_connected 0.0" in text:
                break
            await asyncio.sleep(0.1)
        assert "printedge_mqtt_connected 0.0" in text

"""The appliance on a real broker: signed commands run through its control surface; Home Assistant finds it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import paho.mqtt.client as paho

from edge.telemetry.signing import OperatorKey
from tests.telemetry.broker import Broker, subscriber
from tests.telemetry.conftest import fleet_overrides, mqtt_appliance
from tests.telemetry.fleet_helpers import signed


async def publish(port: int, topic: str, payload: bytes) -> None:
    """Publish one message with QoS 1 from a client of the test's own."""

    def send() -> None:
        client = paho.Client(paho.CallbackAPIVersion.VERSION2)
        client.connect("127.0.0.1", port)
        client.loop_start()
        client.publish(topic, payload, qos=1).wait_for_publish(10)
        client.disconnect()
        client.loop_stop()

    await asyncio.to_thread(send)


async def test_a_signed_command_on_the_broker_runs_once_and_is_answered(
    tmp_path: Path, broker: Broker, operator: OperatorKey
) -> None:
    async with mqtt_appliance(tmp_path / "data", broker.url, **fleet_overrides(operator)) as app:
        assert app.identity is not None
        device = app.identity.id
        watcher = await subscriber(broker.subscriber_port, topic_filter="#")
        try:
            await watcher.wait_for(lambda s: bool(s.on("status")), what="the device online")
            await asyncio.sleep(0.5)  # the device subscribes to its command topics once connected
            command = signed(operator, device, "gcode", {"commands": ["M117 from the fleet"]})
            await publish(broker.subscriber_port, f"printedge/{device}/cmd", command)
            await watcher.wait_for(lambda s: bool(s.on("result")), what="the command's result")
            result = watcher.on("result")[0].json()
            assert (result["command"], result["ok"]) == ("gcode", True), result
            # The same message again is a replay: refused, and the command did not run twice.
            await publish(broker.subscriber_port, f"printedge/{device}/cmd", command)
            await watcher.wait_for(lambda s: len(s.on("result")) == 2, what="the replay's refusal")
            replay = watcher.on("result")[1].json()
            assert replay["ok"] is False and replay["error"] == "replayed", replay
            unsigned = json.dumps({"v": 1, "device": device, "command": "pause"}).encode()
            await publish(broker.subscriber_port, f"printedge/{device}/cmd", unsigned)
            await watcher.wait_for(lambda s: len(s.on("result")) == 3, what="the unsigned command's refusal")
            assert watcher.on("result")[2].json()["ok"] is False
            entries = await app.services.control.audit_log.list(limit=20)
            sent = [e for e in entries if e.action == "send_gcode"]
            assert len(sent) == 1 and sent[0].caller_kind == "mqtt", entries
        finally:
            watcher.stop()


async def test_home_assistant_finds_the_device_and_is_told_again_when_it_comes_online(
    tmp_path: Path, broker: Broker
) -> None:
    async with mqtt_appliance(tmp_path / "data", broker.url) as app:
        assert app.identity is not None
        watcher = await subscriber(broker.subscriber_port, topic_filter="homeassistant/#")
        try:
            await watcher.wait_for(lambda s: bool(s.on("config")), what="the retained discovery config")
            config = watcher.on("config")[0]
            assert config.topic == f"homeassistant/device/{app.identity.id}/config" and config.retain
            assert config.json()["dev"]["identifiers"] == [f"printedge_{app.identity.id}"]
            await publish(broker.subscriber_port, "homeassistant/status", b"online")
            await watcher.wait_for(lambda s: len(s.on("config")) >= 2, what="discovery again after HA's birth")
        finally:
            watcher.stop()

"""The seam other telemetry modules use: handlers on topic filters, publish with MQTT 5 properties, connect hooks."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from edge.config.broker_url import parse_broker_url
from edge.config.schema import MqttConfig
from edge.telemetry.link import MqttLink, backoff_delay
from tests.telemetry.broker import Broker
from tests.web.conftest import no_blocking_in_edge


def v5_client(port: int) -> paho.Client:
    """A paho MQTT 5 client running in its own thread."""
    client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


async def until(predicate: Any, within: float = 10.0) -> None:
    """Poll until predicate() holds."""
    for _ in range(int(within / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


def link_to(broker: Broker) -> MqttLink:
    """A link with fast reconnects."""
    config = MqttConfig(url=broker.url, reconnect_min_backoff_s=0.2, reconnect_max_backoff_s=0.5)
    return MqttLink(config, parse_broker_url(broker.url), client_id="seam-test")


async def test_handlers_get_topic_payload_and_properties_and_survive_a_broker_restart(broker: Broker) -> None:
    link = link_to(broker)
    received: list[tuple[str, bytes, dict[str, object]]] = []
    connects = 0

    async def handler(topic: str, payload: bytes, properties: dict[str, object]) -> None:
        received.append((topic, payload, properties))

    async def on_connect() -> None:
        nonlocal connects
        connects += 1

    link.subscribe("printedge/dev-1/commands/+", handler)
    link.add_connect_listener(on_connect)
    with no_blocking_in_edge():
        await link.start()
        sender = await asyncio.to_thread(v5_client, broker.port)
        try:
            await until(lambda: link.connected and connects == 1)
            props = Properties(PacketTypes.PUBLISH)
            props.ResponseTopic = "fleet/replies/1"
            props.CorrelationData = b"\x01\x02"
            await until(lambda: sender.is_connected())
            await asyncio.sleep(0.2)  # the SUBSCRIBE is on its way
            sender.publish("printedge/dev-1/commands/pause", b'{"job": 3}', qos=1, properties=props)
            sender.publish("printedge/dev-2/commands/pause", b"not mine", qos=1)
            await until(lambda: len(received) == 1)
            topic, payload, properties = received[0]
            assert topic == "printedge/dev-1/commands/pause" and payload == b'{"job": 3}'
            assert properties["ResponseTopic"] == "fleet/replies/1" and properties["CorrelationData"] == b"\x01\x02"
            broker.kill()
            await until(lambda: not link.connected)
            await broker.start()
            await until(lambda: link.connected and connects == 2)
            await until(lambda: sender.is_connected())
            await asyncio.sleep(0.3)
            sender.publish("printedge/dev-1/commands/resume", b"{}", qos=1)
            await until(lambda: len(received) == 2)
        finally:
            sender.loop_stop()
            await link.stop()


async def test_publish_with_properties_reaches_a_subscriber_and_reports_the_puback(broker: Broker) -> None:
    link = link_to(broker)
    seen: list[paho.MQTTMessage] = []
    got = threading.Event()
    listener = await asyncio.to_thread(v5_client, broker.port)
    listener.on_message = lambda _c, _u, message: (seen.append(message), got.set())
    listener.subscribe("fleet/replies/#", qos=1)
    acks: list[bool] = []
    with no_blocking_in_edge():
        await link.start()
        try:
            assert link.publish("fleet/replies/1", b"x") is False  # not connected yet: nothing is queued
            await until(lambda: link.connected)
            assert link.publish(
                "fleet/replies/1", '{"ok": true}', qos=1, properties={"CorrelationData": b"\x01"}, on_done=acks.append
            )
            await until(lambda: got.is_set() and acks == [True])
            assert seen[0].payload == b'{"ok": true}' and seen[0].properties.CorrelationData == b"\x01"
        finally:
            listener.loop_stop()
            await link.stop()


def test_backoff_grows_to_the_cap_with_jitter() -> None:
    delays = [backoff_delay(attempt, 1.0, 60.0) for attempt in range(12)]
    assert 0.5 <= delays[0] <= 1.0 and 30.0 <= delays[-1] <= 60.0
    assert all(backoff_delay(1000, 1.0, 60.0) <= 60.0 for _ in range(20))
    assert len({round(backoff_delay(5, 1.0, 60.0), 6) for _ in range(20)}) > 1

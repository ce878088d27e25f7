"""A stand-in for the MQTT client component: paho subscribed for a device, FleetCommands answering on the loop."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Iterator

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from edge.telemetry.broker import BrokerUrl
from edge.telemetry.commands import (
    FLEET_CMD_TOPIC,
    CommandResult,
    FleetCommands,
    device_cmd_topic,
    homeassistant_cmd_topic,
    properties_of,
)


def paho_client(broker: str, client_id: str) -> mqtt.Client:
    """A connected MQTT 5 paho client with its loop running (disconnect it when done)."""
    url = BrokerUrl.parse(broker)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    connected = threading.Event()
    client.on_connect = lambda *_: connected.set()
    client.connect(url.host, url.port)
    client.loop_start()
    assert connected.wait(10), "paho did not connect to the test broker"
    return client


@contextlib.contextmanager
def connected(broker: str, client_id: str) -> Iterator[mqtt.Client]:
    """paho_client as a context manager."""
    client = paho_client(broker, client_id)
    try:
        yield client
    finally:
        client.disconnect()
        client.loop_stop()


@contextlib.asynccontextmanager
async def serve_commands(broker: str, commands: FleetCommands) -> AsyncIterator[list[CommandResult]]:
    """Subscribe the device's command topics and publish each answer, as the client component will."""
    loop = asyncio.get_running_loop()
    results: list[CommandResult] = []
    subscribed = threading.Event()

    def publish(client: mqtt.Client, result: CommandResult) -> None:
        properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        for name, value in result.publish_properties().items():
            setattr(properties, name, value)
        client.publish(result.topic, result.payload, qos=1, properties=properties)
        results.append(result)

    def on_message(client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        handled = asyncio.run_coroutine_threadsafe(
            commands.handle(message.topic, bytes(message.payload), properties_of(message.properties)), loop
        )
        handled.add_done_callback(lambda done: publish(client, done.result()))

    with connected(broker, f"device-{commands.device_id}") as client:
        client.on_message = on_message
        client.on_subscribe = lambda *_: subscribed.set()
        topics = (device_cmd_topic(commands.device_id), FLEET_CMD_TOPIC, homeassistant_cmd_topic(commands.device_id))
        client.subscribe([(topic, 1) for topic in topics])
        assert await asyncio.to_thread(subscribed.wait, 10), "the test broker did not confirm the subscription"
        yield results

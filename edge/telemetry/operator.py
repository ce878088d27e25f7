"""What `printedge fleet keygen|send|watch` do: keys on disk, a signed command and its answers, the live table."""

from __future__ import annotations

import argparse
import json
import queue
import secrets
import sys
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from edge.core.errors import PrintEdgeError
from edge.store.identity import VALID_ID
from edge.telemetry.broker import BrokerError, BrokerUrl, connect
from edge.telemetry.commands import FLEET_CMD_TOPIC, device_cmd_topic
from edge.telemetry.monitor import SUBSCRIPTIONS, FleetMonitor
from edge.telemetry.signing import FleetKeyError, OperatorKey

EXIT_OK, EXIT_REFUSED, EXIT_NO_ANSWER = 0, 1, 2
CLEAR = "\x1b[H\x1b[2J"


class FleetUsageError(PrintEdgeError):
    """A fleet command line that cannot be sent as given."""

    code = "fleet_usage"


def keygen(args: argparse.Namespace) -> int:
    key = OperatorKey.generate(args.key_id)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    private, public = out / f"{key.id}.key", out / f"{key.id}.pub"
    for path in (private, public):
        if path.exists():
            raise FleetKeyError(f"{path} already exists; choose another --id or --out")
    key.save(private)
    public.write_text(key.trusted_line() + "\n")
    print(f"private key: {private} (keep it secret; mode 0600)", file=sys.stderr)
    print(f"add this line to fleet.trusted_keys on each device (also in {public}):", file=sys.stderr)
    print(key.trusted_line())
    return EXIT_OK


def parse_arguments(pairs: list[str]) -> dict[str, object]:
    """KEY=VALUE pairs; a VALUE that is JSON (5, true, ["G28"]) is taken as such, anything else as text."""
    found: dict[str, object] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            raise FleetUsageError(f"argument {pair!r} must look like KEY=VALUE (for example job_id=12)")
        try:
            found[name] = json.loads(raw)
        except json.JSONDecodeError:
            found[name] = raw
    return found


def send(args: argparse.Namespace) -> int:
    device: str = args.device
    if device != "*" and not VALID_ID.fullmatch(device):
        raise FleetUsageError(f"device {device!r} is not a device id (3 to 64 letters, digits, '-' or '_') or '*'")
    key = OperatorKey.load(args.key)
    envelope = {
        "v": 1,
        "device": device,
        "command": args.command,
        "args": parse_arguments(args.args),
        "ts": int(time.time()),
        "nonce": secrets.token_hex(16),
    }
    signed = key.sign(envelope)
    try:
        return _exchange(args, device, signed)
    except BrokerError as exc:
        print(f"printedge: {exc.message}", file=sys.stderr)
        return EXIT_NO_ANSWER


def _exchange(args: argparse.Namespace, device: str, signed: dict[str, object]) -> int:
    response_topic = f"printedge/operator/{secrets.token_hex(6)}/result"
    correlation = secrets.token_bytes(16)
    answers: queue.Queue[dict[str, Any]] = queue.Queue()
    subscribed = threading.Event()

    def on_message(client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        try:
            body = json.loads(message.payload)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return
        if isinstance(body, dict) and body.get("nonce") == signed["nonce"]:
            answers.put(body)

    client = connect(BrokerUrl.parse(args.broker), ca_file=args.ca, prefix="printedge-send")
    try:
        client.on_message = on_message
        client.on_subscribe = lambda *_: subscribed.set()
        if not args.no_wait:
            # The device answers on the response topic; its default result topic is a fallback.
            client.subscribe([(response_topic, 1), ("printedge/+/cmd/result", 1)])
            if not subscribed.wait(10):
                raise BrokerError("the broker did not confirm the subscription to the answers")
        properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        properties.ResponseTopic = response_topic
        properties.CorrelationData = correlation
        topic = FLEET_CMD_TOPIC if device == "*" else device_cmd_topic(device)
        info = client.publish(topic, json.dumps(signed).encode(), qos=1, properties=properties)
        info.wait_for_publish(10)
        if not info.is_published():
            raise BrokerError(f"the broker did not acknowledge the command on {topic}")
        if args.no_wait:
            print(f"sent {signed['command']} to {topic} (nonce {signed['nonce']})", file=sys.stderr)
            return EXIT_OK
        return _collect(answers, device, args.wait, as_json=args.json)
    finally:
        client.disconnect()
        client.loop_stop()


def _collect(answers: queue.Queue[dict[str, Any]], device: str, wait: float, *, as_json: bool) -> int:
    deadline = time.monotonic() + wait
    seen: dict[str, dict[str, Any]] = {}
    while (left := deadline - time.monotonic()) > 0 and (device == "*" or device not in seen):
        try:
            body = answers.get(timeout=left)
        except queue.Empty:
            break
        name = str(body.get("device"))
        if name in seen:
            continue
        seen[name] = body
        if as_json:
            print(json.dumps(body))
        else:
            outcome = "ok" if body.get("ok") else f"refused: {body.get('error')}"
            print(f"{name}: {outcome}: {body.get('message')}")
    if not seen:
        print(f"printedge: no answer from {device} within {wait:g} s", file=sys.stderr)
        return EXIT_NO_ANSWER
    return EXIT_OK if all(body.get("ok") is True for body in seen.values()) else EXIT_REFUSED


def watch(args: argparse.Namespace) -> int:
    monitor = FleetMonitor()
    lock = threading.Lock()

    def on_message(client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        with lock:
            monitor.update(message.topic, bytes(message.payload))

    broker = BrokerUrl.parse(args.broker)
    client = connect(broker, ca_file=args.ca, prefix="printedge-watch")
    client.on_message = on_message
    client.subscribe([(topic, 0) for topic in SUBSCRIPTIONS])
    color = sys.stdout.isatty()
    try:
        if args.once:
            time.sleep(args.collect)
            with lock:
                sys.stdout.write(monitor.render(time.time(), color=color))
            return EXIT_OK
        while True:
            with lock:
                table = monitor.render(time.time(), color=color)
            sys.stdout.write(
                f"{CLEAR}printedge fleet watch  {broker.display()}  {time.strftime('%H:%M:%S')}\n\n{table}"
            )
            sys.stdout.flush()
            time.sleep(1.0)
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        client.disconnect()
        client.loop_stop()

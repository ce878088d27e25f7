"""A real mosquitto on free loopback ports, with its own config file, and a paho subscriber that records messages."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
MOSQUITTO_PASSWD = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"


def require_mosquitto() -> None:
    """Skip without mosquitto, except in CI (.ci/run installs it), where its absence fails the test."""
    if Path(MOSQUITTO).exists():
        return
    message = "mosquitto is not installed (apt-get install mosquitto; `make test` installs it as root)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Broker:
    """mosquitto in a subprocess; start, kill (SIGKILL) and start again on the same port."""

    workdir: Path
    port: int = field(default_factory=free_port)
    plain_port: int | None = None  # a second, plain and anonymous listener (for subscribers of a TLS broker)
    ws_port: int | None = None
    password_file: Path | None = None
    tls: tuple[Path, Path, Path] | None = None  # cafile, certfile, keyfile
    require_certificate: bool = False  # with tls: clients must present a certificate from the CA
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The broker's URL for mqtt.url (no credentials)."""
        return f"{'mqtts' if self.tls else 'mqtt'}://127.0.0.1:{self.port}"

    @property
    def subscriber_port(self) -> int:
        """Where a plain subscriber connects."""
        return self.plain_port or self.port

    def config(self) -> str:
        """The mosquitto.conf text."""
        store = self.workdir / "store"
        store.mkdir(parents=True, exist_ok=True)
        lines = [
            # As root, mosquitto would switch to its own user and could not read this test's files.
            *(["user root"] if os.geteuid() == 0 else []),
            "per_listener_settings true",
            "persistence true",
            f"persistence_location {store}/",
            "autosave_interval 1",
            "autosave_on_changes true",
            f"log_dest file {self.workdir / 'mosquitto.log'}",
            f"listener {self.port} 127.0.0.1",
        ]
        if self.password_file is not None:
            lines += ["allow_anonymous false", f"password_file {self.password_file}"]
        else:
            lines.append("allow_anonymous true")
        if self.tls is not None:
            cafile, certfile, keyfile = self.tls
            lines += [f"cafile {cafile}", f"certfile {certfile}", f"keyfile {keyfile}"]
            if self.require_certificate:
                lines.append("require_certificate true")
        if self.plain_port is not None:
            lines += [f"listener {self.plain_port} 127.0.0.1", "allow_anonymous true"]
        if self.ws_port is not None:
            lines += [f"listener {self.ws_port} 127.0.0.1", "protocol websockets", "allow_anonymous true"]
        return "\n".join(lines) + "\n"

    async def start(self) -> None:
        """Start it and wait until its port accepts connections."""
        require_mosquitto()
        self.process = self._spawn()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"mosquitto exited: {(self.workdir / 'stderr').read_text()}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.subscriber_port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            return
        raise AssertionError(f"mosquitto did not listen on {self.port}")

    def _spawn(self) -> subprocess.Popen[bytes]:
        conf = self.workdir / "mosquitto.conf"
        conf.write_text(self.config())
        with (self.workdir / "stderr").open("ab") as stderr:
            return subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=stderr)

    def kill(self) -> None:
        """SIGKILL: no clean shutdown."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Terminate it."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass(frozen=True)
class Received:
    """One message a subscriber saw."""

    topic: str
    payload: bytes
    retain: bool
    at: float

    def json(self) -> Any:
        """The payload as JSON."""
        return json.loads(self.payload)


class Subscriber:
    """A paho client on its own thread that subscribes to a filter and records what arrives."""

    def __init__(self, port: int, topic_filter: str = "printedge/#", *, client_id: str = "", persistent: bool = False):
        self.messages: list[Received] = []
        self._lock = threading.Lock()
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=paho.MQTTv311,
            clean_session=not persistent,
        )
        self.client.reconnect_delay_set(1, 1)
        self.topic_filter = topic_filter
        self.client.on_connect = lambda client, *_: client.subscribe(topic_filter, 1)
        self.client.on_message = self._on_message
        self.subscribed = threading.Event()
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.port = port

    def _on_message(self, _client: paho.Client, _userdata: Any, message: paho.MQTTMessage) -> None:
        with self._lock:
            self.messages.append(Received(message.topic, bytes(message.payload), bool(message.retain), time.time()))

    def start(self) -> Subscriber:
        """Connect and start the network thread."""
        self.client.connect("127.0.0.1", self.port, keepalive=5)
        self.client.loop_start()
        return self

    def stop(self) -> None:
        """Disconnect and stop the thread."""
        self.client.disconnect()
        self.client.loop_stop()

    def on(self, suffix: str) -> list[Received]:
        """Messages on topics ending with /suffix."""
        with self._lock:
            return [m for m in self.messages if m.topic.endswith("/" + suffix)]

    async def wait_for(self, predicate: Callable[[Subscriber], bool], within: float = 15.0, what: str = "") -> None:
        """Poll until predicate holds."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if predicate(self):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(
            f"not seen within {within} s: {what}; got {[(m.topic, m.payload[:120]) for m in self.messages][-20:]}"
        )

    def last_json(self, suffix: str) -> Any:
        """The newest payload on a topic, as JSON."""
        found = self.on(suffix)
        return found[-1].json() if found else None

    def events(self) -> list[dict[str, Any]]:
        """Every event payload seen, in arrival order."""
        return [m.json() for m in self.on("events")]


async def subscriber(port: int, **kwargs: Any) -> Subscriber:
    """A connected subscriber whose subscription the broker has acknowledged (paho's connect blocks: a thread)."""
    sub = Subscriber(port, **kwargs)
    await asyncio.to_thread(sub.start)
    if not await asyncio.to_thread(sub.subscribed.wait, 10):
        raise AssertionError(f"the broker on port {port} did not acknowledge the subscription")
    return sub


async def session_waiting_at(broker: Broker, client_id: str) -> None:
    """Leave a persistent session at the broker, then stop it: after a restart, messages wait for client_id."""
    await broker.start()
    sub = await subscriber(broker.subscriber_port, client_id=client_id, persistent=True)
    sub.stop()
    broker.stop()  # SIGTERM: mosquitto saves its sessions

"""Broker URLs (mqtt://user:pass@host:port, mqtts:// with a CA file) and a connected MQTT 5 client for the CLI."""

from __future__ import annotations

import secrets
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from edge.core.errors import PrintEdgeError

DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}
CONNECT_TIMEOUT_S = 10.0


class BrokerError(PrintEdgeError):
    """The broker URL is wrong, or the broker cannot be reached or refuses the connection."""

    code = "broker"


@dataclass(frozen=True, slots=True)
class BrokerUrl:
    """Where the broker is and how to sign in."""

    host: str
    port: int
    tls: bool
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> BrokerUrl:
        """mqtt://[user[:password]@]host[:port] or mqtts://...; user and password may be percent-encoded."""
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS:
            raise BrokerError(f"broker URL {url!r} must start with mqtt:// or mqtts://")
        try:
            port = parts.port or DEFAULT_PORTS[parts.scheme]
        except ValueError:
            raise BrokerError(f"broker URL {url!r} has a port that is not a number from 1 to 65535") from None
        if not parts.hostname:
            raise BrokerError(f"broker URL {url!r} names no host")
        if parts.path not in ("", "/"):
            raise BrokerError(f"broker URL {url!r} must not have a path (got {parts.path!r})")
        username = unquote(parts.username) if parts.username is not None else None
        password = unquote(parts.password) if parts.password is not None else None
        return cls(parts.hostname, port, parts.scheme == "mqtts", username, password)

    def display(self) -> str:
        """The URL without its password."""
        user = f"{self.username}@" if self.username else ""
        return f"{'mqtts' if self.tls else 'mqtt'}://{user}{self.host}:{self.port}"


def connect(url: BrokerUrl, *, ca_file: Path | None = None, prefix: str = "printedge-cli") -> mqtt.Client:
    """A connected MQTT 5 client with its network loop running in a thread (the caller disconnects it)."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=f"{prefix}-{secrets.token_hex(4)}", protocol=mqtt.MQTTv5
    )
    if url.username is not None:
        client.username_pw_set(url.username, url.password)
    if url.tls:
        client.tls_set(ca_certs=str(ca_file) if ca_file else None, tls_version=ssl.PROTOCOL_TLS_CLIENT)
    elif ca_file is not None:
        raise BrokerError("--ca is only used with an mqtts:// broker URL")
    connected = threading.Event()
    outcome: list[str] = []

    def on_connect(
        client: mqtt.Client, userdata: object, flags: object, reason: ReasonCode, props: Properties | None
    ) -> None:
        outcome.append("" if not reason.is_failure else str(reason))
        connected.set()

    client.on_connect = on_connect
    try:
        client.connect(url.host, url.port, keepalive=30)
    except (OSError, ssl.SSLError) as exc:
        raise BrokerError(f"cannot reach the broker at {url.display()}: {exc}") from exc
    client.loop_start()
    if not connected.wait(CONNECT_TIMEOUT_S) or outcome[0]:
        client.loop_stop()
        why = outcome[0] if outcome else f"no answer within {CONNECT_TIMEOUT_S:g} s"
        raise BrokerError(f"the broker at {url.display()} refused the connection: {why}")
    return client

"""The MQTT broker as one URL: scheme (mqtt, mqtts, ws, wss), user and password, host, port, websocket path."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from edge.core.errors import ConfigError

DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883, "ws": 80, "wss": 443}


@dataclass(frozen=True, slots=True)
class BrokerUrl:
    """Where the broker is and how to speak to it."""

    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    path: str = "/mqtt"

    @property
    def tls(self) -> bool:
        """Whether the connection is encrypted."""
        return self.scheme in ("mqtts", "wss")

    @property
    def transport(self) -> str:
        """paho's transport name: tcp or websockets."""
        return "websockets" if self.scheme in ("ws", "wss") else "tcp"

    def redacted(self) -> str:
        """The URL without the password, for logs and health reports."""
        user = f"{self.username}@" if self.username else ""
        path = self.path if self.transport == "websockets" else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}{path}"


def parse_broker_url(url: str, where: str = "mqtt.url") -> BrokerUrl:
    """Parse mqtt.url; a bad scheme, host or port is a ConfigError naming the value."""
    shown = _hide_password(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(where, shown, f"is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ConfigError(where, shown, "the scheme must be mqtt://, mqtts://, ws:// or wss://")
    if not parts.hostname:
        raise ConfigError(where, shown, "names no broker host (expected e.g. mqtt://broker.local:1883)")
    return BrokerUrl(
        scheme=scheme,
        host=parts.hostname,
        port=port or DEFAULT_PORTS[scheme],
        username=unquote(parts.username) if parts.username is not None else None,
        password=unquote(parts.password) if parts.password is not None else None,
        path=parts.path or "/mqtt",
    )


def _hide_password(url: str) -> str:
    """The URL with any password replaced by ***, so errors never print it."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest.split("/", 1)[0]:
        return url
    credentials, _, host = rest.partition("@")
    user, colon, _ = credentials.partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}@{host}"

"""The MQTT connection: paho-mqtt driven by the asyncio loop, reconnecting with backoff and jitter.

paho's socket is watched with loop.add_reader/add_writer, so every paho callback runs on the event loop;
only the blocking part of a connection attempt (DNS, TCP, TLS and websocket handshakes) runs in a small
thread pool. A new paho client is made for every attempt, so nothing of a lost connection lingers.

The seam for the other telemetry modules (fleet commands, Home Assistant discovery):

- ``link.subscribe(topic_filter: str, handler: MessageHandler, qos: int = 1) -> None`` where
  ``MessageHandler = Callable[[str, bytes, dict[str, object]], Awaitable[None]]``, called as
  ``await handler(topic, payload, properties)`` for every message whose topic matches the filter, one at a
  time, in arrival order; the subscription is renewed after every reconnect. ``properties`` holds the
  MQTT 5 properties by paho's names without spaces (``ResponseTopic``, ``CorrelationData``,
  ``UserProperty``, ``ContentType``, ...); it is empty under MQTT 3.1.1.
- ``link.publish(topic: str, payload: bytes | str, qos: int = 0, retain: bool = False,
  properties: dict[str, object] | None = None, *, on_done: Callable[[bool], None] | None = None) -> bool``
  hands a message to the connection without waiting for the network; False when not connected (nothing
  is queued then). ``on_done(True)`` follows the PUBACK (QoS 1) or the write (QoS 0), ``on_done(False)``
  a lost connection or a refusal by the broker.
- ``link.add_connect_listener(callback: Callable[[], Awaitable[None]]) -> None``: run after every
  (re)connect, e.g. to publish retained discovery payloads again.
- ``link.connected`` tells whether the broker accepted the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import random
import ssl
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from edge.config.broker_url import BrokerUrl
from edge.config.schema import MqttConfig
from edge.core.component import Health
from edge.core.tasks import TaskSupervisor

log = logging.getLogger("printedge.mqtt")

MessageHandler = Callable[[str, bytes, dict[str, object]], Awaitable[None]]
ConnectListener = Callable[[], Awaitable[None]]
MAILBOX_SIZE = 1000
# Connection attempts block in these threads (DNS, TCP, TLS, websocket handshake), never on the loop.
_CONNECT_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="mqtt-connect")
_ADVICE = {
    "Bad user name or password": "check the user and password in mqtt.url",
    "Not authorized": "check the user and password in mqtt.url and the broker's ACL",
    "Client identifier not valid": "set another mqtt.client_id",
    "Unsupported protocol version": 'set mqtt.protocol to "3.1.1"',
}


class LinkState(enum.Enum):
    """Where the connection to the broker is."""

    STOPPED = "stopped"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    WAITING = "waiting"


@dataclass(frozen=True, slots=True)
class Will:
    """The message the broker publishes when the connection dies uncleanly."""

    topic: str
    payload: str
    qos: int = 1
    retain: bool = True


class BrokerUnavailableError(Exception):
    """A connection attempt failed; the message says why and what to do."""


def backoff_delay(attempt: int, low: float, high: float) -> float:
    """Exponential backoff with full jitter in its upper half: attempt 0 waits about `low`."""
    ceiling = min(high, low * 2 ** min(attempt, 30))
    return random.uniform(ceiling / 2, ceiling)


class MqttLink:
    """One connection to the broker, kept up until stopped."""

    def __init__(self, config: MqttConfig, broker: BrokerUrl, client_id: str, will: Will | None = None) -> None:
        self.config = config
        self.broker = broker
        self.client_id = client_id
        self.will = will
        self.state = LinkState.STOPPED
        self.detail = "not started"
        self.connects = 0
        self.failures = 0
        self.last_error = ""
        self.messages_in = 0
        self.messages_out = 0
        self.bytes_out = 0
        self.mailbox_dropped = 0
        self._handlers: list[tuple[str, int, MessageHandler]] = []
        self._listeners: list[ConnectListener] = []
        self._client: paho.Client | None = None
        self._pending: dict[int, Callable[[bool], None]] = {}
        self._lost = asyncio.Event()
        self._connack: asyncio.Future[ReasonCode] | None = None
        self._mailbox: asyncio.Queue[tuple[str, bytes, dict[str, object]]] = asyncio.Queue(MAILBOX_SIZE)
        self._tasks = TaskSupervisor("mqtt")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._tls_context: ssl.SSLContext | None = None
        self._stopping = False

    @property
    def connected(self) -> bool:
        """Whether the broker accepted the connection and it is up."""
        return self.state is LinkState.CONNECTED

    # ---- the seam ---------------------------------------------------------------------------

    def subscribe(self, topic_filter: str, handler: MessageHandler, qos: int = 1) -> None:
        """Call handler for every message matching topic_filter, now and after every reconnect."""
        self._handlers.append((topic_filter, qos, handler))
        if self._client is not None and self.connected:
            self._client.subscribe(topic_filter, qos)

    def add_connect_listener(self, callback: ConnectListener) -> None:
        """Run callback after every (re)connect."""
        self._listeners.append(callback)

    def publish(
        self,
        topic: str,
        payload: bytes | str,
        qos: int = 0,
        retain: bool = False,
        properties: dict[str, object] | None = None,
        *,
        on_done: Callable[[bool], None] | None = None,
    ) -> bool:
        """Hand a message to the connection without waiting; False when not connected."""
        client = self._client
        if client is None or not self.connected:
            return False
        data = payload.encode() if isinstance(payload, str) else payload
        props = self._publish_properties(properties)
        info = client.publish(topic, data, qos, retain, props)
        if info.rc is not MQTTErrorCode.MQTT_ERR_SUCCESS:
            return False
        self.messages_out += 1
        self.bytes_out += len(data) + len(topic)
        if on_done is not None:
            self._pending[info.mid] = on_done
        return True

    # ---- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect in the background."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._stopping = False
        self.state = LinkState.CONNECTING
        self._tasks.spawn("connection", self._maintain)
        self._tasks.spawn("dispatch", self._dispatch, restart=True)

    async def stop(self, farewell: tuple[str, str] | None = None, timeout_s: float = 2.0) -> None:
        """Publish a last retained message (waiting briefly for its PUBACK), disconnect cleanly, stop."""
        self._stopping = True
        client = self._client
        if client is not None and self.connected:
            if farewell is not None:
                await self._publish_and_wait(farewell[0], farewell[1], timeout_s)
            if self.connected:
                client.disconnect()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout_s):
                        await self._lost.wait()
        await self._tasks.cancel_all()
        self._teardown("stopped")
        self.state = LinkState.STOPPED
        self.detail = "stopped"

    def status(self) -> dict[str, object]:
        """JSON-ready snapshot."""
        return {
            "broker": self.broker.redacted(),
            "client_id": self.client_id,
            "protocol": self.config.protocol,
            "state": self.state.value,
            "detail": self.detail,
            "connects": self.connects,
            "failures": self.failures,
            "last_error": self.last_error,
            "messages_out": self.messages_out,
            "bytes_out": self.bytes_out,
            "messages_in": self.messages_in,
            "mailbox_dropped": self.mailbox_dropped,
        }

    def health(self) -> Health:
        """Healthy while connected."""
        if self.connected:
            return Health(True, f"connected to {self.broker.redacted()}")
        return Health(False, self.detail)

    # ---- connection state machine -----------------------------------------------------------

    async def _maintain(self) -> None:
        attempt = 0
        while True:
            self.state = LinkState.CONNECTING
            self.detail = f"connecting to {self.broker.redacted()}" + (
                f" (last: {self.last_error})" if self.last_error else ""
            )
            self._lost.clear()
            try:
                await self._connect_once()
            except BrokerUnavailableError as exc:
                self.failures += 1
                self.last_error = self.detail = str(exc)
                log.warning("mqtt: %s", exc)
            else:
                attempt = 0
                await self._serve()
            self._teardown(self.detail)
            delay = backoff_delay(attempt, self.config.reconnect_min_backoff_s, self.config.reconnect_max_backoff_s)
            attempt += 1
            self.state = LinkState.WAITING
            self.detail = f"{self.detail}; retrying in {delay:.1f} s"
            await asyncio.sleep(delay)

    async def _connect_once(self) -> None:
        loop = asyncio.get_running_loop()
        client = self._new_client()
        self._client = client
        self._connack = loop.create_future()
        where = self.broker.redacted()
        try:
            async with asyncio.timeout(self.config.connect_timeout_s):
                await loop.run_in_executor(_CONNECT_POOL, self._open, client)
                reason = await self._connack
        except TimeoutError:
            raise BrokerUnavailableError(
                f"broker {where} did not accept the connection within {self.config.connect_timeout_s:g} s"
            ) from None
        except ssl.SSLError as exc:
            raise BrokerUnavailableError(
                f"TLS with broker {where} failed: {exc.reason or exc}; check mqtt.ca_file, cert_file and key_file"
            ) from None
        except (OSError, ValueError, paho.WebsocketConnectionError) as exc:
            raise BrokerUnavailableError(f"cannot reach broker {where}: {exc}") from None
        if reason.is_failure:
            name = str(reason)
            advice = _ADVICE.get(name, "check the broker's log")
            raise BrokerUnavailableError(f"broker {where} refused the connection: {name}; {advice}")

    def _open(self, client: paho.Client) -> None:
        """The blocking part of a connection attempt (runs in the connect pool)."""
        if self.broker.tls:
            client.tls_set_context(self._tls())
        client.connect(self.broker.host, self.broker.port, self.config.keepalive_s)

    def _tls(self) -> ssl.SSLContext:
        if self._tls_context is None:
            context = ssl.create_default_context(cafile=self.config.ca_file or None)
            if self.config.cert_file:
                context.load_cert_chain(self.config.cert_file, self.config.key_file or None)
            self._tls_context = context
        return self._tls_context

    async def _serve(self) -> None:
        """Connected: announce, run listeners, keep paho's timers going until the connection is lost."""
        self.connects += 1
        self.state = LinkState.CONNECTED
        self.detail = f"connected to {self.broker.redacted()}"
        log.info("mqtt: %s", self.detail)
        client = self._client
        assert client is not None
        for topic_filter, qos, _ in self._handlers:
            client.subscribe(topic_filter, qos)
        await self._tasks.cancel("listeners")  # a slow listener from the last connection must not run twice
        self._tasks.spawn("listeners", self._run_listeners)
        while not self._lost.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await self._lost.wait()
            if self._client is client and not self._lost.is_set():
                client.loop_misc()

    async def _run_listeners(self) -> None:
        for listener in list(self._listeners):
            try:
                await listener()
            except Exception:
                log.exception("mqtt: a connect listener failed")

    def _teardown(self, why: str) -> None:
        """Forget the current client: close its socket, fail whatever waited for an acknowledgement."""
        client, self._client = self._client, None
        if client is not None:
            # paho closes the socket itself when the client is collected; it must not call back into us then.
            client.on_socket_open = client.on_socket_close = None
            client.on_socket_register_write = client.on_socket_unregister_write = None
            sock = client.socket()
            if sock is not None and self._loop is not None:
                self._forget_socket(sock)
                with contextlib.suppress(OSError):
                    sock.close()
        pending, self._pending = self._pending, {}
        for on_done in pending.values():
            on_done(False)
        if self._connack is not None and not self._connack.done():
            self._connack.cancel()
        self.state = LinkState.WAITING if self.state is not LinkState.STOPPED else self.state
        self.detail = why

    async def _publish_and_wait(self, topic: str, payload: str, timeout_s: float) -> bool:
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def finish(ok: bool) -> None:
            if not done.done():
                done.set_result(ok)

        if not self.publish(topic, payload, qos=1, retain=True, on_done=finish):
            return False
        try:
            async with asyncio.timeout(timeout_s):
                return await done
        except TimeoutError:
            return False

    # ---- paho client and its callbacks (all on the loop, or marshalled to it) ---------------

    def _new_client(self) -> paho.Client:
        v5 = self.config.protocol == "5"
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=MQTTProtocolVersion.MQTTv5 if v5 else MQTTProtocolVersion.MQTTv311,
            transport="websockets" if self.broker.transport == "websockets" else "tcp",
            reconnect_on_failure=False,
        )
        client.connect_timeout = self.config.connect_timeout_s
        if self.broker.transport == "websockets":
            client.ws_set_options(path=self.broker.path)
        if self.broker.username is not None:
            client.username_pw_set(self.broker.username, self.broker.password)
        if self.will is not None:
            client.will_set(self.will.topic, self.will.payload, self.will.qos, self.will.retain)
        client.max_inflight_messages_set(max(self.config.max_inflight, 1) + 10)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.on_message = self._on_message
        client.on_socket_open = self._marshal(self._socket_open)
        client.on_socket_close = self._marshal(self._socket_close)
        client.on_socket_register_write = self._marshal(self._register_write)
        client.on_socket_unregister_write = self._marshal(self._unregister_write)
        return client

    def _marshal(self, func: Callable[[paho.Client, Any, Any], None]) -> Callable[[paho.Client, Any, Any], None]:
        """Run a socket callback on the loop: directly there, through call_soon_threadsafe from the connect pool."""

        def callback(client: paho.Client, userdata: Any, sock: Any) -> None:
            if threading.get_ident() == self._loop_thread:
                func(client, userdata, sock)
            elif self._loop is not None:
                self._loop.call_soon_threadsafe(func, client, userdata, sock)

        return callback

    def _socket_open(self, client: paho.Client, _userdata: Any, sock: Any) -> None:
        if client is not self._client or self._loop is None:
            with contextlib.suppress(OSError):
                sock.close()  # an attempt that timed out and finished late
            return
        self._loop.add_reader(sock, self._readable, client, sock)

    def _forget_socket(self, sock: Any) -> None:
        if self._loop is not None and sock.fileno() >= 0:
            self._loop.remove_reader(sock)
            self._loop.remove_writer(sock)

    def _socket_close(self, client: paho.Client, _userdata: Any, sock: Any) -> None:
        self._forget_socket(sock)
        if client is self._client:
            self._dropped()

    def _register_write(self, client: paho.Client, _userdata: Any, sock: Any) -> None:
        current = client.socket()
        if client is self._client and self._loop is not None and current is not None and current is sock:
            self._loop.add_writer(current, self._writable, client)

    def _unregister_write(self, _client: paho.Client, _userdata: Any, sock: Any) -> None:
        if self._loop is not None and sock.fileno() >= 0:
            self._loop.remove_writer(sock)

    def _readable(self, client: paho.Client, sock: Any) -> None:
        rc = client.loop_read()
        # TLS and websocket wrappers may hold decoded bytes the selector cannot see.
        while rc is MQTTErrorCode.MQTT_ERR_SUCCESS and client.socket() is sock and _pending_bytes(sock) > 0:
            rc = client.loop_read()
        if rc is not MQTTErrorCode.MQTT_ERR_SUCCESS and client is self._client:
            self._dropped()

    def _writable(self, client: paho.Client) -> None:
        rc = client.loop_write()
        if rc is not MQTTErrorCode.MQTT_ERR_SUCCESS and client is self._client:
            self._dropped()

    def _dropped(self) -> None:
        """The socket is gone: end the connection, or the attempt that waits for CONNACK."""
        self._lost.set()
        if self._connack is not None and not self._connack.done():
            self._connack.set_exception(
                BrokerUnavailableError(f"broker {self.broker.redacted()} closed the connection before accepting it")
            )

    def _on_connect(
        self, client: paho.Client, _userdata: Any, _flags: Any, reason: ReasonCode, _props: Properties | None
    ) -> None:
        if client is self._client and self._connack is not None and not self._connack.done():
            self._connack.set_result(reason)

    def _on_disconnect(
        self, client: paho.Client, _userdata: Any, _flags: Any, reason: ReasonCode, _props: Properties | None
    ) -> None:
        if client is not self._client:
            return
        if self.state is LinkState.CONNECTED and not self._stopping:
            self.detail = f"connection to {self.broker.redacted()} lost ({reason})"
            log.warning("mqtt: %s", self.detail)
        self._dropped()

    def _on_publish(
        self, client: paho.Client, _userdata: Any, mid: int, reason: ReasonCode, _props: Properties
    ) -> None:
        if client is not self._client:
            return
        on_done = self._pending.pop(mid, None)
        if on_done is not None:
            on_done(not reason.is_failure)

    def _on_message(self, client: paho.Client, _userdata: Any, message: paho.MQTTMessage) -> None:
        if client is not self._client:
            return
        self.messages_in += 1
        try:
            self._mailbox.put_nowait((message.topic, bytes(message.payload), _properties_dict(message.properties)))
        except asyncio.QueueFull:
            self.mailbox_dropped += 1

    async def _dispatch(self) -> None:
        while True:
            topic, payload, properties = await self._mailbox.get()
            for topic_filter, _, handler in list(self._handlers):
                if paho.topic_matches_sub(topic_filter, topic):
                    try:
                        await handler(topic, payload, properties)
                    except Exception:
                        log.exception("mqtt: handler for %s failed on %s", topic_filter, topic)

    def _publish_properties(self, properties: dict[str, object] | None) -> Properties | None:
        if not properties or self.config.protocol != "5":
            return None
        props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        for name, value in properties.items():
            setattr(props, name, value)
        return props


def _pending_bytes(sock: Any) -> int:
    pending = getattr(sock, "pending", None)
    return int(pending()) if callable(pending) else 0


def _properties_dict(props: Properties | None) -> dict[str, object]:
    """MQTT 5 properties by name (without spaces); empty under 3.1.1."""
    if props is None:
        return {}
    found: dict[str, object] = {}
    for name in props.names:
        key = name.replace(" ", "")
        if hasattr(props, key):
            found[key] = getattr(props, key)
    return found

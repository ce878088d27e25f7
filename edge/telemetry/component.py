"""The MQTT telemetry component: status, state, telemetry, events (through the outbox) and health of one device.

Nothing here awaits the network on behalf of the bus or the API: bus events are read by this component's own
tasks, events are written to the SQLite outbox, and publishing only hands bytes to the connection.
Other modules reach the broker through `component.link` (see edge/telemetry/link.py for the seam) and build
topics with `component.topics` once the component has started.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from edge.config.broker_url import BrokerUrl, parse_broker_url
from edge.config.schema import MqttConfig
from edge.core.component import Health
from edge.core.errors import StoreError, TelemetryError
from edge.core.events import (
    EventBus,
    FirmwareMessage,
    HostWarning,
    JobProgress,
    JobStageChanged,
    JobStateChanged,
    LinkHealth,
    LinkStateChanged,
    SafetyTrip,
    SensorEvent,
    Subscription,
    TemperatureReport,
)
from edge.core.tasks import TaskSupervisor
from edge.store.db import Database
from edge.store.outbox import OutboxRepository
from edge.telemetry.forwarder import OutboxForwarder
from edge.telemetry.payloads import (
    HEALTH,
    STATE,
    TELEMETRY,
    EventTranslator,
    Topics,
    encode,
    envelope,
    status_payload,
)
from edge.telemetry.system_metrics import system_metrics

if TYPE_CHECKING:
    from edge.telemetry.link import MqttLink

log = logging.getLogger("printedge.mqtt")

EVENT_TYPES = (
    JobStateChanged,
    JobStageChanged,
    FirmwareMessage,
    LinkStateChanged,
    HostWarning,
    SensorEvent,
    SafetyTrip,
)
EVENT_MAILBOX = 10_000
HEALTH_CHECK_S = 1.0


@dataclass(frozen=True, kw_only=True)
class TelemetrySources:
    """What the component reads: the bus, the device id (known after start), and two snapshots."""

    bus: EventBus
    device_id: Callable[[], str | None]
    state: Callable[[], dict[str, object]]
    health: Callable[[], dict[str, object]]
    data_dir: Path


class TelemetryComponent:
    """Publishes the device to the fleet's MQTT broker; off when mqtt.url is empty."""

    name = "mqtt"

    def __init__(self, config: MqttConfig, sources: TelemetrySources, db: Database) -> None:
        self.config = config
        self.sources = sources
        self.broker: BrokerUrl | None = parse_broker_url(config.url) if config.url else None
        self.outbox = OutboxRepository(db, config.outbox_max_events, config.outbox_max_age_s)
        self._outbox_depth = 0  # events waiting, counted once a second (for /metrics)
        self.link: MqttLink | None = None
        if self.broker is not None:
            from edge.telemetry.link import MqttLink  # paho is loaded only when a broker is configured

            self.link = MqttLink(config, self.broker, config.client_id)
        self.topics: Topics | None = None
        self.forwarder: OutboxForwarder | None = None
        self.unstored = 0  # events the store refused (a full disk): lost, and counted
        self._translator: EventTranslator | None = None
        self._tasks = TaskSupervisor("mqtt")
        self._events: Subscription | None = None
        self._watch: Subscription | None = None
        self._state_dirty = asyncio.Event()
        self._last_state: dict[str, object] | None = None
        self._last_health: dict[str, object] | None = None
        self._health_at = 0.0
        self._latest: dict[str, dict[str, object] | None] = {"temperatures": None, "progress": None, "link": None}
        self._started = False

    @property
    def dropped(self) -> int:
        """Events lost on the way to the broker: pushed out of the outbox by its bounds, or never stored."""
        bus_dropped = self._events.dropped if self._events is not None else 0
        return self.outbox.dropped + self.unstored + bus_dropped

    # ---- component contract -------------------------------------------------------------------

    async def start(self) -> None:
        """Subscribe to the bus and connect in the background; off when mqtt.url is empty."""
        link = self.link
        if link is None:
            return
        device_id = self.sources.device_id()
        if device_id is None:
            raise TelemetryError("MQTT needs the device id, which could not be loaded (see the identity health)")
        topics = self.topics = Topics.of(self.config.topic_prefix, device_id)
        self._translator = EventTranslator(device_id)
        link.client_id = self.config.client_id or f"printedge-{device_id}"
        from edge.telemetry.link import Will

        link.will = Will(topics.status, status_payload(device_id, online=False))
        await self.outbox.load_dropped()
        await self.outbox.prune()
        self.forwarder = OutboxForwarder(self.outbox, link, self.config.max_inflight, lambda: self.dropped)
        link.add_connect_listener(self._announce)
        bus = self.sources.bus
        self._events = bus.subscribe(*EVENT_TYPES, maxsize=EVENT_MAILBOX)
        self._watch = bus.subscribe(maxsize=64)
        self._tasks.spawn("events", self._store_events, restart=True)
        self._tasks.spawn("watch", self._watch_bus, restart=True)
        self._tasks.spawn("forward", self.forwarder.run, restart=True)
        self._tasks.spawn("state", self._publish_state_on_change, restart=True)
        self._tasks.spawn("telemetry", self._publish_telemetry, restart=True)
        self._tasks.spawn("health", self._publish_health, restart=True)
        self._tasks.spawn("prune", self._prune, restart=True)
        await link.start()
        self._started = True
        log.info("mqtt: publishing under %s/ to %s", topics.base, link.broker.redacted())

    async def stop(self) -> None:
        """Publish offline (a clean stop), disconnect, stop the tasks; safe to call twice."""
        if not self._started:
            return
        self._started = False
        await self._tasks.cancel_all()
        for subscription in (self._events, self._watch):
            if subscription is not None:
                subscription.close()
        if self.link is not None and self.topics is not None and self._translator is not None:
            offline = status_payload(self._translator.device_id, online=False)
            await self.link.stop(farewell=(self.topics.status, offline))

    def status(self) -> dict[str, object]:
        """JSON-ready snapshot."""
        if self.link is None:
            return {"enabled": False}
        forwarder = self.forwarder
        return {
            "enabled": True,
            "connected": self.link.connected,
            "outbox_depth": self._outbox_depth,
            "topics": self.topics.base if self.topics else None,
            "link": self.link.status(),
            "outbox": {
                "dropped": self.dropped,
                "sent": forwarder.sent if forwarder else 0,
                "acknowledged": forwarder.acknowledged if forwarder else 0,
            },
        }

    def health(self) -> Health:
        """Healthy while connected (or off); dropped events are named."""
        if self.link is None:
            return Health(True, "off (mqtt.url is empty)")
        health = self.link.health()
        if self.dropped:
            return Health(health.ok, f"{health.detail}; {self.dropped} event(s) dropped from the outbox")
        return health

    # ---- tasks --------------------------------------------------------------------------------

    async def _announce(self) -> None:
        """After every connect: online, then the state and health as they are now, then the outbox."""
        assert self.link is not None and self.topics is not None and self._translator is not None
        self.link.publish(self.topics.status, status_payload(self._translator.device_id, True), qos=1, retain=True)
        self._publish_state(force=True)
        await self._publish_health_now(force=True)
        if self.forwarder is not None:
            self.forwarder.wake()

    async def _store_events(self) -> None:
        assert self._events is not None and self._translator is not None and self.topics is not None
        while True:
            event = await self._events.get()
            payload = self._translator.translate(event)
            if payload is None:
                continue
            try:
                await self.outbox.add(str(payload["id"]), self.topics.events, encode(payload))
            except StoreError as exc:
                self.unstored += 1
                log.error("mqtt: event %s could not be stored and is lost: %s", payload["type"], exc)
                continue
            if self.forwarder is not None:
                self.forwarder.wake()

    async def _watch_bus(self) -> None:
        assert self._watch is not None
        while True:
            event = await self._watch.get()
            if isinstance(event, TemperatureReport):
                self._latest["temperatures"] = event.to_dict()
            elif isinstance(event, JobProgress):
                self._latest["progress"] = event.to_dict()
            elif isinstance(event, LinkHealth):
                self._latest["link"] = event.to_dict()
            elif isinstance(event, JobStateChanged) and event.state not in ("printing", "paused"):
                self._latest["progress"] = None
            self._state_dirty.set()

    async def _publish_state_on_change(self) -> None:
        interval = 1.0 / self.config.state_max_rate_hz
        while True:
            await self._state_dirty.wait()
            self._state_dirty.clear()
            self._publish_state(force=False)
            await asyncio.sleep(interval)

    def _publish_state(self, *, force: bool) -> None:
        assert self.link is not None and self.topics is not None and self._translator is not None
        snapshot = self.sources.state()
        if snapshot == self._last_state and not force:
            return
        payload = envelope(STATE, self._translator.device_id, snapshot)
        if self.link.publish(self.topics.state, payload, qos=1, retain=True):
            self._last_state = snapshot

    async def _publish_telemetry(self) -> None:
        assert self.link is not None and self.topics is not None and self._translator is not None
        while True:
            await asyncio.sleep(self.config.telemetry_interval_s)
            if not self.link.connected:
                continue
            body: dict[str, object] = dict(self._latest)
            body["system"] = await system_metrics(self.sources.data_dir)
            self.link.publish(self.topics.telemetry, envelope(TELEMETRY, self._translator.device_id, body))

    async def _publish_health(self) -> None:
        while True:
            await asyncio.sleep(HEALTH_CHECK_S)
            self._outbox_depth = await self.outbox.count()
            await self._publish_health_now(force=time.monotonic() - self._health_at >= self.config.health_interval_s)

    async def _publish_health_now(self, *, force: bool) -> None:
        assert self.link is not None and self.topics is not None and self._translator is not None
        components = self.sources.health()
        if (components == self._last_health and not force) or not self.link.connected:
            return
        body: dict[str, object] = {
            "ok": all(isinstance(c, dict) and c.get("ok") is True for c in components.values()),
            "components": components,
            "outbox": {"pending": await self.outbox.count(), "dropped": self.dropped},
        }
        payload = envelope(HEALTH, self._translator.device_id, body)
        if self.link.publish(self.topics.health, payload, qos=1, retain=True):
            self._last_health = components
            self._health_at = time.monotonic()

    async def _prune(self) -> None:
        while True:
            await asyncio.sleep(min(60.0, self.config.outbox_max_age_s / 10))
            dropped = await self.outbox.prune()
            if dropped:
                log.warning(
                    "mqtt: %d event(s) older than %g s dropped from the outbox", dropped, self.config.outbox_max_age_s
                )

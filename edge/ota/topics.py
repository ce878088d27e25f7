"""The OTA pipeline on MQTT: desired documents in (device and fleet topics), the report out (retained)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from edge.config.ota_document import ConfigReport
from edge.ota.service import ConfigUpdates

if TYPE_CHECKING:
    from edge.telemetry.link import MqttLink

log = logging.getLogger("printedge.ota")


def desired_topic(prefix: str, device_id: str) -> str:
    """Where one device's desired config arrives (retained)."""
    return f"{prefix}/{device_id}/config/desired"


def fleet_desired_topic(prefix: str) -> str:
    """Where the whole fleet's desired config arrives (retained)."""
    return f"{prefix}/fleet/config/desired"


def reported_topic(prefix: str, device_id: str) -> str:
    """Where the device says which config runs and how the last desired one ended (retained)."""
    return f"{prefix}/{device_id}/config/reported"


class ConfigTopics:
    """Subscribes the pipeline to the desired topics once the device has an id; publishes every report."""

    def __init__(self, link: MqttLink, updates: ConfigUpdates, prefix: str, device_id: Callable[[], str | None]):
        self.link = link
        self.updates = updates
        self.prefix = prefix
        self.device_id = device_id
        self._subscribed = False
        updates.publish = self._publish
        link.add_connect_listener(self._on_connect)

    async def _on_connect(self) -> None:
        device_id = self.device_id()
        if device_id is None:
            return
        if not self._subscribed:
            self._subscribed = True
            self.link.subscribe(desired_topic(self.prefix, device_id), self._on_desired)
            self.link.subscribe(fleet_desired_topic(self.prefix), self._on_desired)
        self._publish(self.updates.report)

    async def _on_desired(self, topic: str, payload: bytes, properties: Mapping[str, object]) -> None:
        if not payload:
            return  # a cleared retained message
        source = "mqtt:fleet" if topic == fleet_desired_topic(self.prefix) else "mqtt:device"
        self.updates.submit_later(source, payload)

    def _publish(self, report: ConfigReport) -> None:
        device_id = self.device_id()
        if device_id is None:
            return
        body = json.dumps(report.to_dict(), separators=(",", ":")).encode()
        self.link.publish(reported_topic(self.prefix, device_id), body, qos=1, retain=True)

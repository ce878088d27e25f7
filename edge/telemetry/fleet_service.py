"""Signed fleet commands and Home Assistant discovery, attached to the MQTT link once the device has an id."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from edge.config.schema import AppConfig
from edge.control.surface import PrinterControl
from edge.store.identity import DeviceIdentity
from edge.store.state import ApplianceState
from edge.telemetry.commands import FLEET_CMD_TOPIC, FleetCommands, homeassistant_cmd_topic
from edge.telemetry.homeassistant import BIRTH_TOPIC, discovery_messages, is_birth

if TYPE_CHECKING:
    from edge.telemetry.link import MqttLink

log = logging.getLogger("printedge.telemetry.fleet")


class FleetService:
    """Answers commands on printedge/<id>/cmd, printedge/fleet/cmd and the HA button topic; keeps HA discovery."""

    def __init__(
        self,
        link: MqttLink,
        control: PrinterControl,
        config: AppConfig,
        state: ApplianceState,
        identity: Callable[[], DeviceIdentity | None],
    ) -> None:
        self.link = link
        self.control = control
        self.config = config
        self.state = state
        self.identity = identity
        self.commands: FleetCommands | None = None
        link.add_connect_listener(self._on_connect)

    async def _on_connect(self) -> None:
        identity = self.identity()
        if identity is None:
            log.warning("connected to the broker before the device has an id: no fleet commands yet")
            return
        if self.commands is None:
            self.commands = FleetCommands(self.control, identity.id, self.config.fleet, self.state)
            prefix = self.config.mqtt.topic_prefix
            for topic in (f"{prefix}/{identity.id}/cmd", FLEET_CMD_TOPIC, homeassistant_cmd_topic(identity.id)):
                self.link.subscribe(topic, self._on_command)
            self.link.subscribe(BIRTH_TOPIC, self._on_homeassistant)
        self._publish_discovery(identity)

    async def _on_command(self, topic: str, payload: bytes, properties: Mapping[str, object]) -> None:
        if self.commands is None:
            return
        result = await self.commands.handle(topic, payload, properties)
        self.link.publish(result.topic, result.payload, qos=1, properties=result.publish_properties() or None)

    async def _on_homeassistant(self, topic: str, payload: bytes, properties: Mapping[str, object]) -> None:
        identity = self.identity()
        if identity is not None and is_birth(topic, payload):
            log.info("Home Assistant is online: publishing discovery again")
            self._publish_discovery(identity)

    def _publish_discovery(self, identity: DeviceIdentity) -> None:
        messages = discovery_messages(
            identity.id,
            name=identity.name,
            model=self.config.printer.machine.model,
            allow_buttons=self.config.fleet.allow_homeassistant_buttons,
        )
        for topic, message in messages:
            self.link.publish(topic, message, qos=1, retain=True)

"""Home Assistant MQTT discovery: one retained device-based config at homeassistant/device/<id>/config.

The templates read the payloads docs/mqtt.md documents (docs/mqtt-schemas/):
- `printedge/<id>/status`, retained JSON whose `state` is `online`, or `offline` (the last will).
- `printedge/<id>/state`, retained JSON: `printer` (`state`, `temperatures` with `hotend`, `hotend_target`, `bed`,
  `bed_target`, `stats`) and `jobs` (`current`: the running job or null; `progress`: `bytes_done`, `bytes_total`,
  `layer`, `eta_s`, or null).
  Numbers may be null (unknown); the templates render "None" for them, which Home Assistant shows as unknown.
Buttons publish their payload_press ("pause", "resume", "cancel") to `printedge/<id>/ha/cmd` (see commands.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping

from edge import __version__
from edge.printer.link import LinkState
from edge.telemetry.commands import homeassistant_cmd_topic

log = logging.getLogger("printedge.telemetry.homeassistant")

DISCOVERY_PREFIX = "homeassistant"
BIRTH_TOPIC = f"{DISCOVERY_PREFIX}/status"
MANUFACTURER = "PrintEdge"
ORIGIN = "PrintEdge"
ERROR_STATES = (LinkState.HALTED.value, LinkState.ERROR.value)

Message = tuple[str, bytes]
Component = dict[str, object]


def discovery_topic(device_id: str) -> str:
    """Where the device's retained discovery config lives."""
    return f"{DISCOVERY_PREFIX}/device/{device_id}/config"


def discovery_messages(
    device_id: str,
    *,
    name: str,
    model: str,
    allow_buttons: bool,
    sw_version: str = __version__,
    panel_url: str | None = None,
    support_url: str | None = None,
) -> list[Message]:
    """The (topic, payload) pairs to publish retained with QoS 1 on every connect and on Home Assistant's birth."""
    device: dict[str, object] = {
        "identifiers": [f"printedge_{device_id}"],
        "name": name,
        "manufacturer": MANUFACTURER,
        "model": model,
        "sw_version": sw_version,
    }
    if panel_url:
        device["configuration_url"] = panel_url
    origin: dict[str, object] = {"name": ORIGIN, "sw": sw_version}
    if support_url:
        origin["url"] = support_url
    config = {
        "dev": device,
        "o": origin,
        "availability": [
            {
                "topic": f"printedge/{device_id}/status",
                "value_template": "{{ value_json.state }}",
                "payload_available": "online",
                "payload_not_available": "offline",
            }
        ],
        "qos": 1,
        "cmps": components(device_id, allow_buttons=allow_buttons),
    }
    return [(discovery_topic(device_id), json.dumps(config, separators=(",", ":"), ensure_ascii=False).encode())]


def components(device_id: str, *, allow_buttons: bool) -> dict[str, Component]:
    """Every entity, keyed by object id; without buttons allowed, the buttons are only their platform (removed)."""
    state = f"printedge/{device_id}/state"
    found: dict[str, Component] = {}

    def add(key: str, platform: str, name: str, **options: object) -> None:
        found[key] = {"p": platform, "name": name, "unique_id": f"{device_id}_{key}", **options}

    temperature = {"device_class": "temperature", "unit_of_measurement": "°C", "state_class": "measurement"}
    for key, name, field in (
        ("hotend_temperature", "Hotend temperature", "hotend"),
        ("hotend_target", "Hotend target", "hotend_target"),
        ("bed_temperature", "Bed temperature", "bed"),
        ("bed_target", "Bed target", "bed_target"),
    ):
        add(key, "sensor", name, state_topic=state, value_template=_printer(f"temperatures.{field}"), **temperature)
    add(
        "progress",
        "sensor",
        "Progress",
        state_topic=state,
        value_template=(
            "{{ (100 * value_json.jobs.progress.bytes_done / value_json.jobs.progress.bytes_total) | round(1) "
            "if value_json.jobs.progress and value_json.jobs.progress.bytes_total else None }}"
        ),
        unit_of_measurement="%",
        state_class="measurement",
    )
    add("layer", "sensor", "Layer", state_topic=state, value_template=_job("layer"), state_class="measurement")
    add(
        "time_left",
        "sensor",
        "Time left",
        state_topic=state,
        value_template=_job("eta_s"),
        device_class="duration",
        unit_of_measurement="s",
    )
    add(
        "printer_state",
        "sensor",
        "Printer state",
        state_topic=state,
        value_template="{{ value_json.printer.state }}",
        device_class="enum",
        options=[s.value for s in LinkState],
    )
    add(
        "link_health",
        "sensor",
        "Link health",
        state_topic=state,
        value_template=f"{{{{ 'unhealthy' if value_json.printer.state in {list(ERROR_STATES)} else 'healthy' }}}}",
        device_class="enum",
        options=["healthy", "unhealthy"],
        entity_category="diagnostic",
        json_attributes_topic=state,
        json_attributes_template="{{ (value_json.printer.stats or {}) | tojson }}",
    )
    add(
        "printing",
        "binary_sensor",
        "Printing",
        state_topic=state,
        value_template="{{ 'ON' if value_json.jobs.current and value_json.jobs.current.state == 'printing' else 'OFF' }}",
        device_class="running",
    )
    add(
        "error",
        "binary_sensor",
        "Printer error",
        state_topic=state,
        value_template=f"{{{{ 'ON' if value_json.printer.state in {list(ERROR_STATES)} else 'OFF' }}}}",
        device_class="problem",
    )
    for key, icon in (("pause", "mdi:pause"), ("resume", "mdi:play"), ("cancel", "mdi:stop")):
        if allow_buttons:
            add(key, "button", key.capitalize(), command_topic=homeassistant_cmd_topic(device_id), payload_press=key)
            found[key]["icon"] = icon
        else:
            # Home Assistant removes a component whose config is only its platform.
            found[key] = {"p": "button"}
    return found


def is_birth(topic: str, payload: bytes) -> bool:
    """Whether a message is Home Assistant announcing it is online (time to publish discovery again)."""
    return topic == BIRTH_TOPIC and payload.strip() == b"online"


def republish_on_birth(
    publish: Callable[[str, bytes], Awaitable[object]], messages: Callable[[], list[Message]]
) -> Callable[[str, bytes, Mapping[str, object]], Awaitable[None]]:
    """A handler for `subscribe("homeassistant/status", ...)`: publish (retained, QoS 1) the discovery again."""

    async def handler(topic: str, payload: bytes, properties: Mapping[str, object]) -> None:
        if not is_birth(topic, payload):
            return
        log.info("Home Assistant is online: publishing discovery again")
        for message_topic, message in messages():
            await publish(message_topic, message)

    return handler


def _printer(path: str) -> str:
    return f"{{{{ value_json.printer.{path} }}}}"


def _job(field: str) -> str:
    return f"{{{{ value_json.jobs.progress.{field} if value_json.jobs.progress else None }}}}"

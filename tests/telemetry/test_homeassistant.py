"""Home Assistant: the device-based discovery payload against HA's rules, and the three unsigned buttons."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema

from edge.control.caller import SYSTEM
from edge.telemetry.commands import default_result_topic, device_cmd_topic, homeassistant_cmd_topic
from edge.telemetry.homeassistant import BIRTH_TOPIC, discovery_messages, republish_on_birth
from tests.telemetry.conftest import Fleet
from tests.telemetry.fleet_helpers import answer, audit_entries, refusal, slow_file_id, wait_for_job_state

DEVICE = "pe-0123456789ab"
# Home Assistant's discovery topic matcher (components/mqtt/discovery.py), under the "homeassistant/" prefix.
TOPIC_MATCHER = re.compile(
    r"homeassistant/(?P<component>\w+)/(?:(?P<node_id>[a-zA-Z0-9_-]+)/)?(?P<object_id>[a-zA-Z0-9_-]+)/config"
)
# Home Assistant's DEVICE_DISCOVERY_SCHEMA (components/mqtt/schemas.py) as JSON Schema, with abbreviations
# (dev, o, cmps, p, sw, url) as HA expands them, plus what each platform requires of a component.
TOPIC = {"type": "string", "minLength": 1, "pattern": "^[^#+]+$"}
# HA's MQTT_AVAILABILITY_LIST_SCHEMA: a list of {topic, payload_available, payload_not_available, value_template}.
AVAILABILITY = {
    "availability": {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "required": ["topic"],
            "additionalProperties": False,
            "properties": {
                "topic": TOPIC,
                "payload_available": {"type": "string"},
                "payload_not_available": {"type": "string"},
                "value_template": {"type": "string"},
            },
        },
    }
}
ENTITY = {"required": ["p", "unique_id", "name"], "properties": {"unique_id": {"type": "string", "minLength": 1}}}
DEVICE_DISCOVERY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["dev", "o", "cmps", "availability"],
    "properties": {
        "dev": {
            "type": "object",
            "required": ["identifiers", "name"],
            "properties": {
                "identifiers": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                **{key: {"type": "string"} for key in ("name", "manufacturer", "model", "sw_version")},
            },
        },
        "o": {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string"},
                "sw": {"type": "string"},
                "url": {"type": "string", "format": "uri"},
            },
        },
        **AVAILABILITY,
        "qos": {"enum": [0, 1, 2]},
        "cmps": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": "^[a-zA-Z0-9_-]+$"},
            "additionalProperties": {
                "type": "object",
                "required": ["p"],
                "properties": {"p": {"enum": ["sensor", "binary_sensor", "button"]}},
                "allOf": [
                    {
                        "if": {"properties": {"p": {"const": "sensor"}}, "minProperties": 2},
                        "then": {**ENTITY, "required": [*ENTITY["required"], "state_topic", "value_template"]},
                    },
                    {
                        "if": {"properties": {"p": {"const": "binary_sensor"}}, "minProperties": 2},
                        "then": {**ENTITY, "required": [*ENTITY["required"], "state_topic", "value_template"]},
                    },
                    {
                        "if": {"properties": {"p": {"const": "button"}}, "minProperties": 2},
                        "then": {**ENTITY, "required": [*ENTITY["required"], "command_topic", "payload_press"]},
                    },
                ],
            },
        },
    },
}


def discovery(allow_buttons: bool) -> tuple[str, dict[str, Any]]:
    ((topic, payload),) = discovery_messages(
        DEVICE, name="Workshop", model="Prusa MK3S", allow_buttons=allow_buttons, support_url="https://example.org/help"
    )
    return topic, json.loads(payload)


def test_the_discovery_payload_follows_home_assistants_device_schema() -> None:
    for allow in (False, True):
        topic, config = discovery(allow)
        assert topic == f"homeassistant/device/{DEVICE}/config"
        match = TOPIC_MATCHER.fullmatch(topic)
        assert match and match["component"] == "device" and match["object_id"] == DEVICE
        jsonschema.validate(config, DEVICE_DISCOVERY_SCHEMA)
        unique_ids = [c["unique_id"] for c in config["cmps"].values() if "unique_id" in c]
        assert len(unique_ids) == len(set(unique_ids))


def test_the_device_and_its_availability_are_the_printers() -> None:
    _, config = discovery(False)
    assert config["dev"]["identifiers"] == [f"printedge_{DEVICE}"]
    assert (config["dev"]["name"], config["dev"]["model"], config["dev"]["manufacturer"]) == (
        "Workshop",
        "Prusa MK3S",
        "PrintEdge",
    )
    [availability] = config["availability"]
    assert availability["topic"] == f"printedge/{DEVICE}/status"
    # The status payload is JSON ({"state": "online", ...}): the template picks the word HA compares.
    assert availability["value_template"] == "{{ value_json.state }}"
    assert (availability["payload_available"], availability["payload_not_available"]) == ("online", "offline")


def test_sensors_read_the_state_topic_with_units_and_classes() -> None:
    _, config = discovery(False)
    cmps = config["cmps"]
    for key in ("hotend_temperature", "hotend_target", "bed_temperature", "bed_target"):
        assert cmps[key]["device_class"] == "temperature" and cmps[key]["unit_of_measurement"] == "°C"
        assert cmps[key]["state_class"] == "measurement"
    assert cmps["progress"]["unit_of_measurement"] == "%"
    assert (cmps["time_left"]["device_class"], cmps["time_left"]["unit_of_measurement"]) == ("duration", "s")
    assert cmps["printer_state"]["device_class"] == "enum" and "ready" in cmps["printer_state"]["options"]
    assert {cmps["printing"]["p"], cmps["error"]["p"]} == {"binary_sensor"}
    assert all(
        c["state_topic"] == f"printedge/{DEVICE}/state" for c in cmps.values() if c["p"] in ("sensor", "binary_sensor")
    )


def test_buttons_exist_only_when_allowed_and_press_pause_resume_cancel() -> None:
    _, closed = discovery(False)
    assert [key for key, c in closed["cmps"].items() if c["p"] == "button"] == ["pause", "resume", "cancel"]
    assert all(closed["cmps"][key] == {"p": "button"} for key in ("pause", "resume", "cancel")), "removed"
    _, open_ = discovery(True)
    for key in ("pause", "resume", "cancel"):
        button = open_["cmps"][key]
        assert (button["command_topic"], button["payload_press"]) == (homeassistant_cmd_topic(DEVICE), key)


async def test_home_assistants_birth_republishes_the_discovery() -> None:
    published: list[tuple[str, bytes]] = []

    async def publish(topic: str, payload: bytes) -> None:
        published.append((topic, payload))

    messages = discovery_messages(DEVICE, name="Workshop", model="m", allow_buttons=False)
    handler = republish_on_birth(publish, lambda: messages)
    await handler(BIRTH_TOPIC, b"offline", {})
    assert published == []
    await handler(BIRTH_TOPIC, b"online", {})
    assert published == messages


async def test_buttons_are_refused_unless_allowed(fleet: Fleet) -> None:
    result = await fleet.commands.handle(homeassistant_cmd_topic(fleet.device_id), b"pause", {})
    assert refusal(result) == "homeassistant_disabled"
    assert result.topic == default_result_topic(fleet.device_id)


async def test_an_allowed_button_pauses_resumes_and_cancels_the_running_job(fleet: Fleet, tmp_path: Path) -> None:
    fleet.commands.config.allow_homeassistant_buttons = True
    job = await fleet.app.services.control.start_job(SYSTEM, await slow_file_id(fleet.app, tmp_path))
    await wait_for_job_state(fleet.app, job.id, "printing")
    topic = homeassistant_cmd_topic(fleet.device_id)
    for press, state in (("pause", "paused"), ("resume", "printing"), ("cancel", "cancelled")):
        result = await fleet.commands.handle(topic, press.encode(), {})
        assert result.ok, result.payload
        await wait_for_job_state(fleet.app, job.id, state)
    done = [(e["action"], e["caller_kind"], e["caller_name"]) for e in await audit_entries(fleet.app)][-3:]
    assert done == [(a, "mqtt", "homeassistant") for a in ("pause", "resume", "cancel")]


async def test_home_assistant_may_press_nothing_else(fleet: Fleet) -> None:
    fleet.commands.config.allow_homeassistant_buttons = True
    topic = homeassistant_cmd_topic(fleet.device_id)
    for payload in (b"gcode", b"G28", b"emergency_stop", b"start", b"PAUSE", b"pause ", b'{"command": "pause"}'):
        assert refusal(await fleet.commands.handle(topic, payload, {})) == "not_allowed", payload
    # Nor does the device topic take unsigned button payloads.
    assert refusal(await fleet.commands.handle(device_cmd_topic(fleet.device_id), b"pause", {})) == "malformed"
    assert answer(await fleet.commands.handle(topic, b"home", {}))["error"] == "not_allowed"

"""Fleet commands from MQTT: signed envelopes (and Home Assistant's three buttons) checked, run once, answered.

The MQTT client calls `FleetCommands.handle(topic, payload, properties)` for every message on
`printedge/<id>/cmd`, `printedge/fleet/cmd` and `printedge/<id>/ha/cmd`, then publishes the returned
`CommandResult` (QoS 1, not retained) on `result.topic`, with `result.publish_properties()`.

`properties` is a plain dict of the message's MQTT 5 properties, named as paho names them; only two are read:
`"ResponseTopic"` (str) and `"CorrelationData"` (bytes; a str is taken as UTF-8). Others are ignored, and
`properties_of(paho_properties)` builds the dict from a paho `Properties` object.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from edge.config.schema import FleetConfig
from edge.control.caller import Caller, CallerKind
from edge.control.surface import PrinterControl
from edge.core.errors import ConfigError, PrintEdgeError
from edge.store.audit import AuditResult
from edge.store.state import ApplianceState
from edge.telemetry.actions import ACTIONS, HOMEASSISTANT_ACTIONS, Run, prepare_action
from edge.telemetry.replay import NonceLedger
from edge.telemetry.signing import trusted_keys, verify

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

log = logging.getLogger("printedge.telemetry.fleet")

RESULT_SCHEMA = "printedge.cmd_result/1"
FLEET_CMD_TOPIC = "printedge/fleet/cmd"
ENVELOPE_VERSION = 1
MAX_PAYLOAD = 64 * 1024
NONCE = re.compile(r"[0-9a-f]{32,128}")
REQUIRED = ("v", "device", "command", "args", "ts", "nonce")
HOMEASSISTANT = Caller(CallerKind.MQTT, "homeassistant")


def device_cmd_topic(device_id: str) -> str:
    """Where signed commands for one device arrive."""
    return f"printedge/{device_id}/cmd"


def homeassistant_cmd_topic(device_id: str) -> str:
    """Where Home Assistant's buttons publish their unsigned payloads."""
    return f"printedge/{device_id}/ha/cmd"


def default_result_topic(device_id: str) -> str:
    """Where results go when a command gave no MQTT 5 response topic."""
    return f"printedge/{device_id}/cmd/result"


def properties_of(paho_properties: object) -> dict[str, object]:
    """The properties dict `handle` reads, from a paho `Properties` object (or None)."""
    found: dict[str, object] = {}
    for name in ("ResponseTopic", "CorrelationData"):
        value = getattr(paho_properties, name, None)
        if value is not None:
            found[name] = value
    return found


@dataclass(frozen=True, kw_only=True)
class CommandResult:
    """The answer to one command message: where to publish it, what, and how it ended."""

    topic: str
    payload: bytes  # JSON: {"schema": "printedge.cmd_result/1", "device", "ts", "nonce", "command", "ok", ...}
    correlation_data: bytes | None
    ok: bool
    refused: bool  # refused before it reached the printer (envelope, signature, replay, arguments)
    error: str | None  # the refusal or failure code, such as "bad_signature"
    message: str

    def publish_properties(self) -> dict[str, object]:
        """MQTT 5 properties for the result message: the command's correlation data, when it gave any."""
        return {} if self.correlation_data is None else {"CorrelationData": self.correlation_data}


class Refusal(Exception):
    """A command message refused before it ran; `code` names the reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(slots=True)
class _Message:
    """What is known about a message so far, for its answer."""

    topic: str
    correlation_data: bytes | None
    nonce: str | None = None
    command: str | None = None
    key_id: str | None = None  # set once the signature checked out


class FleetCommands:
    """Checks command messages and runs the valid ones exactly once through PrinterControl."""

    def __init__(self, control: PrinterControl, device_id: str, config: FleetConfig, state_store: ApplianceState):
        self.control = control
        self.device_id = device_id
        self.config = config
        self._ledger = NonceLedger(state_store)
        self._keys: dict[str, Ed25519PublicKey] | None = None

    async def load_keys(self) -> dict[str, Ed25519PublicKey]:
        """The trusted operator keys (files read once, off the loop); ConfigError for a bad entry."""
        if self._keys is None:
            self._keys = await asyncio.to_thread(trusted_keys, list(self.config.trusted_keys))
        return self._keys

    async def handle(self, topic: str, payload: bytes, properties: Mapping[str, object]) -> CommandResult:
        """Check one message, run it when valid, and say where and what to answer."""
        message = _Message(_result_topic(self.device_id, properties), _correlation(properties))
        try:
            if topic == homeassistant_cmd_topic(self.device_id):
                result = await self._homeassistant(message, payload)
            elif topic in (device_cmd_topic(self.device_id), FLEET_CMD_TOPIC):
                result = await self._signed(message, topic, payload)
            else:
                raise Refusal("unknown_topic", f"{topic!r} is not a command topic of device {self.device_id}")
        except Refusal as refusal:
            log.warning("refused command message on %s: %s: %s", topic, refusal.code, refusal.message)
            if message.key_id is not None:
                await self._audit_refusal(message, refusal)
            return self._answer(message, ok=False, refused=True, error=refusal.code, text=refusal.message)
        except PrintEdgeError as exc:
            log.info("fleet command %s failed: %s", message.command, exc.message)
            return self._answer(message, ok=False, refused=False, error=exc.code, text=exc.message)
        return self._answer(message, ok=True, refused=False, result=result, text=f"{message.command}: done")

    async def _homeassistant(self, message: _Message, payload: bytes) -> dict[str, object]:
        command = payload.decode("utf-8", "replace")
        message.command = command[:40]
        if not self.config.allow_homeassistant_buttons:
            raise Refusal(
                "homeassistant_disabled",
                "Home Assistant buttons are off on this device (fleet.allow_homeassistant_buttons)",
            )
        if command not in HOMEASSISTANT_ACTIONS:
            raise Refusal(
                "not_allowed",
                f"Home Assistant may only press {', '.join(HOMEASSISTANT_ACTIONS)} (got {command[:40]!r})",
            )
        run = self._prepare(HOMEASSISTANT, command, {})
        return await run()

    async def _signed(self, message: _Message, topic: str, payload: bytes) -> dict[str, object]:
        envelope = _parse(payload)
        message.nonce = envelope["nonce"][:128] if isinstance(envelope.get("nonce"), str) else None
        message.command = envelope["command"][:64] if isinstance(envelope.get("command"), str) else None
        _check_fields(envelope)
        key_id = await self._verify(envelope)
        message.key_id = key_id
        self._check_device(envelope["device"], topic)
        now = time.time()
        self._check_time(envelope["ts"], now)
        command = envelope["command"]
        if command not in ACTIONS:
            raise Refusal("unknown_command", f"unknown command {command!r} (known: {', '.join(ACTIONS)})")
        run = self._prepare(Caller(CallerKind.MQTT, key_id), command, envelope["args"])
        try:
            fresh = await self._ledger.claim(envelope["nonce"], envelope["ts"] + self.config.command_max_age_s, now)
        except PrintEdgeError as exc:
            raise Refusal(
                "replay_unchecked", f"the nonce could not be recorded, so the command did not run: {exc}"
            ) from exc
        if not fresh:
            raise Refusal("replayed", f"nonce {envelope['nonce']} was already used: a command runs only once")
        return await run()

    def _prepare(self, caller: Caller, command: str, args: Mapping[str, object]) -> Run:
        try:
            return prepare_action(self.control, caller, command, args)
        except PrintEdgeError as exc:
            raise Refusal(exc.code, exc.message) from exc

    async def _verify(self, envelope: Mapping[str, Any]) -> str:
        key_id, sig = envelope.get("key"), envelope.get("sig")
        if not isinstance(sig, str) or not sig or not isinstance(key_id, str) or not key_id:
            raise Refusal("unsigned", "the command is not signed: 'key' and 'sig' are required")
        try:
            keys = await self.load_keys()
        except ConfigError as exc:
            raise Refusal("unknown_key", f"no operator key can be trusted: {exc.message}") from exc
        key = keys.get(key_id)
        if key is None:
            raise Refusal("unknown_key", f"key {key_id[:64]!r} is not in this device's fleet.trusted_keys")
        if not verify(envelope, sig, key):
            raise Refusal("bad_signature", f"the signature does not match the command and key {key_id!r}")
        return key_id

    def _check_device(self, device: str, topic: str) -> None:
        if device not in (self.device_id, "*"):
            raise Refusal("wrong_device", f"the command is for device {device[:64]!r}, this is {self.device_id!r}")
        if (device == "*") != (topic == FLEET_CMD_TOPIC):
            expected = FLEET_CMD_TOPIC if device == "*" else device_cmd_topic(self.device_id)
            raise Refusal("wrong_device", f"a command for device {device!r} must arrive on {expected}, not {topic}")

    def _check_time(self, ts: int, now: float) -> None:
        age = now - ts
        if age > self.config.command_max_age_s:
            raise Refusal(
                "stale", f"the command is {age:.0f} s old; at most {self.config.command_max_age_s:g} s is accepted"
            )
        if -age > self.config.command_max_future_s:
            raise Refusal(
                "future",
                f"the command is stamped {-age:.0f} s ahead of this device's clock "
                f"(at most {self.config.command_max_future_s:g} s); check both clocks",
            )

    async def _audit_refusal(self, message: _Message, refusal: Refusal) -> None:
        try:
            await self.control.audit_log.record(
                caller_kind=CallerKind.MQTT.value,
                caller_name=message.key_id or "",
                action=message.command or "fleet_command",
                detail=f"nonce {message.nonce}",
                result=AuditResult.REFUSED,
                message=refusal.message,
            )
        except PrintEdgeError as exc:
            log.error("audit entry for a refused fleet command not recorded: %s", exc.message)

    def _answer(
        self,
        message: _Message,
        *,
        ok: bool,
        refused: bool,
        text: str,
        error: str | None = None,
        result: dict[str, object] | None = None,
    ) -> CommandResult:
        body: dict[str, object] = {
            "schema": RESULT_SCHEMA,
            "device": self.device_id,
            "ts": time.time(),
            "nonce": message.nonce,
            "command": message.command,
            "ok": ok,
        }
        body.update({"result": result} if ok else {"error": error})
        body["message"] = text
        return CommandResult(
            topic=message.topic,
            payload=json.dumps(body, separators=(",", ":"), default=str).encode(),
            correlation_data=message.correlation_data,
            ok=ok,
            refused=refused,
            error=error,
            message=text,
        )


def _parse(payload: bytes) -> dict[str, Any]:
    if len(payload) > MAX_PAYLOAD:
        raise Refusal("malformed", f"the command is {len(payload)} bytes; at most {MAX_PAYLOAD}")
    try:
        envelope = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Refusal("malformed", f"the command is not JSON: {exc}") from None
    if not isinstance(envelope, dict):
        raise Refusal("malformed", f"the command must be a JSON object, not {type(envelope).__name__}")
    return envelope


def _check_fields(envelope: Mapping[str, Any]) -> None:
    missing = [name for name in REQUIRED if name not in envelope]
    if missing:
        raise Refusal("missing_field", f"the command lacks {', '.join(missing)} (required: {', '.join(REQUIRED)})")
    checks = (
        ("v", envelope["v"] == ENVELOPE_VERSION and not isinstance(envelope["v"], bool), f"must be {ENVELOPE_VERSION}"),
        ("device", isinstance(envelope["device"], str), "must be a device id or '*'"),
        ("command", isinstance(envelope["command"], str), "must be text"),
        ("args", isinstance(envelope["args"], dict), "must be an object"),
        ("ts", isinstance(envelope["ts"], int) and not isinstance(envelope["ts"], bool), "must be whole Unix seconds"),
        ("nonce", isinstance(envelope["nonce"], str) and NONCE.fullmatch(envelope["nonce"]), "must be 32-128 hex"),
    )
    for name, good, rule in checks:
        if not good:
            raise Refusal("malformed", f"field {name!r} {rule} (got {str(envelope[name])[:80]!r})")


def _result_topic(device_id: str, properties: Mapping[str, object]) -> str:
    topic = properties.get("ResponseTopic")
    # The response topic is not signed: never answer onto wildcards, system or command topics.
    if (
        isinstance(topic, str)
        and 0 < len(topic) <= 1024
        and not any(char in topic for char in "+#\0")
        and not topic.startswith(("$", "homeassistant/"))
        and not topic.endswith("/cmd")
    ):
        return topic
    return default_result_topic(device_id)


def _correlation(properties: Mapping[str, object]) -> bytes | None:
    data = properties.get("CorrelationData")
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    if isinstance(data, str):
        return data.encode()
    return None

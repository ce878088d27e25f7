"""Topics under <prefix>/<device id>/ and the JSON payloads published on them (docs/mqtt.md, docs/mqtt-schemas)."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field

import edge
from edge.core.events import (
    Event,
    FirmwareMessage,
    HostWarning,
    JobStageChanged,
    JobStateChanged,
    LinkStateChanged,
    SafetyTrip,
    SensorEvent,
)

STATUS = "printedge.status/1"
STATE = "printedge.state/1"
TELEMETRY = "printedge.telemetry/1"
EVENT = "printedge.event/1"
HEALTH = "printedge.health/1"
# A job entering one of these states is this event; "printing" is "started", or "resumed" after a pause.
_JOB_EVENTS = {
    "paused": "job.paused",
    "completed": "job.finished",
    "cancelled": "job.cancelled",
    "failed": "job.failed",
    "interrupted": "job.interrupted",
}
_ERROR_LEVELS = ("error", "halt", "kill")


@dataclass(frozen=True, slots=True)
class Topics:
    """The topics of one device."""

    base: str

    @classmethod
    def of(cls, prefix: str, device_id: str) -> Topics:
        """Topics under <prefix>/<device_id>/."""
        return cls(f"{prefix}/{device_id}")

    @property
    def status(self) -> str:
        """Retained online/offline (offline is the last will)."""
        return f"{self.base}/status"

    @property
    def state(self) -> str:
        """Retained printer, job and sensor snapshot."""
        return f"{self.base}/state"

    @property
    def telemetry(self) -> str:
        """Periodic temperatures, progress, link and system metrics."""
        return f"{self.base}/telemetry"

    @property
    def events(self) -> str:
        """Job, stage, error and link events (QoS 1, through the outbox)."""
        return f"{self.base}/events"

    @property
    def health(self) -> str:
        """Retained component health."""
        return f"{self.base}/health"


def encode(payload: dict[str, object]) -> str:
    """Compact JSON."""
    return json.dumps(payload, separators=(",", ":"), default=str)


def status_payload(device_id: str, online: bool) -> str:
    """online or offline."""
    return encode(
        {
            "schema": STATUS,
            "ts": time.time(),
            "device_id": device_id,
            "state": "online" if online else "offline",
            "version": edge.__version__,
        }
    )


def envelope(schema: str, device_id: str, body: dict[str, object]) -> str:
    """A payload: its schema, time and device, then the body."""
    return encode({"schema": schema, "ts": time.time(), "device_id": device_id, **body})


@dataclass
class EventTranslator:
    """Turns bus events into event payloads; remembers just enough to name a job's transitions."""

    device_id: str
    _job_states: dict[int, str] = field(default_factory=dict)
    _stage_states: dict[tuple[int, str], str] = field(default_factory=dict)

    def translate(self, event: Event) -> dict[str, object] | None:
        """The event payload (without outbox_dropped), or None when the event is not published."""
        typed = self._typed(event)
        if typed is None:
            return None
        kind, data = typed
        return {
            "schema": EVENT,
            "ts": time.time(),
            "id": uuid.uuid4().hex,
            "device_id": self.device_id,
            "type": kind,
            "data": data,
        }

    def _typed(self, event: Event) -> tuple[str, dict[str, object]] | None:
        if isinstance(event, JobStateChanged):
            before = self._job_states.get(event.job_id)
            self._job_states[event.job_id] = event.state
            if event.state == "printing":
                kind = "job.resumed" if before == "paused" else "job.started"
            else:
                kind = _JOB_EVENTS.get(event.state, "job.state")
            if len(self._job_states) > 100:
                self._job_states.pop(next(iter(self._job_states)))
            return kind, {"job_id": event.job_id, "state": event.state, "detail": event.detail}
        if isinstance(event, JobStageChanged):
            key = (event.job_id, event.stage)
            if self._stage_states.get(key) == event.state:
                return None  # progress within a stage is state and telemetry, not an event
            self._stage_states[key] = event.state
            if len(self._stage_states) > 400:
                self._stage_states.pop(next(iter(self._stage_states)))
            return "job.stage", {
                "job_id": event.job_id,
                "stage": event.stage,
                "state": event.state,
                "progress": event.progress,
                "message": event.message,
            }
        if isinstance(event, FirmwareMessage):
            if event.level not in _ERROR_LEVELS:
                return None
            return "printer.error", {"level": event.level, "text": event.text}
        if isinstance(event, LinkStateChanged):
            return "link.state", {"state": event.state, "detail": event.detail}
        if isinstance(event, HostWarning):
            return "host.warning", {"condition": event.condition, "message": event.message}
        if isinstance(event, SensorEvent):
            return "sensor.changed", {
                "device": event.device,
                "state": event.state,
                "active": event.active,
                "action": event.action,
                "detail": event.detail,
            }
        if isinstance(event, SafetyTrip):
            return "safety.trip", {
                "heater": event.heater,
                "rule": event.rule,
                "temperature": event.temperature,
                "target": event.target,
                "detail": event.detail,
            }
        return None


def with_dropped(payload: str, dropped: int) -> str:
    """The stored event payload with the outbox's dropped count as of now."""
    data = json.loads(payload)
    data["outbox_dropped"] = dropped
    return encode(data)

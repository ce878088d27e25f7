"""The fleet monitor: what every device last said on printedge/+/{status,state,telemetry,health,events}, as a table.

Pure: messages and the time go in, rows and text come out; `printedge fleet watch` moves the bytes.
Payloads are read leniently (docs/mqtt.md is the reference): a field that is missing shows as "-".
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

KINDS = ("status", "state", "telemetry", "health", "events")
SUBSCRIPTIONS = [f"printedge/+/{kind}" for kind in KINDS]
NOT_DEVICES = {"fleet", "operator"}
ERROR_STATES = {"halted", "error"}
SILENT_AFTER_S = 120.0
MAX_EVENT_WARNINGS = 3
COLUMNS = ("DEVICE", "NAME", "ONLINE", "PRINTER", "JOB", "PROGRESS", "HOTEND °C", "BED °C", "LAST SEEN", "WARNINGS")
GREEN, RED, YELLOW, RESET = "\x1b[32m", "\x1b[31m", "\x1b[33m", "\x1b[0m"


@dataclass
class DeviceView:
    """What is known about one device."""

    device_id: str
    name: str | None = None
    online: bool | None = None
    printer_state: str | None = None
    job: str | None = None
    progress: float | None = None
    hotend: tuple[object, object] = (None, None)
    bed: tuple[object, object] = (None, None)
    last_seen: float | None = None
    health_warnings: list[str] = field(default_factory=list)
    event_warnings: deque[str] = field(default_factory=lambda: deque(maxlen=MAX_EVENT_WARNINGS))

    def warnings(self, now: float) -> list[str]:
        """Health warnings, recent warning events, and what the monitor itself sees wrong."""
        found = list(self.health_warnings) + list(self.event_warnings)
        if self.printer_state in ERROR_STATES:
            found.insert(0, f"printer {self.printer_state}")
        if self.online and self.last_seen is not None and now - self.last_seen > SILENT_AFTER_S:
            found.insert(0, f"silent for {_age(now - self.last_seen)}")
        return found


class FleetMonitor:
    """Every device seen on the broker, updated message by message."""

    def __init__(self) -> None:
        self.devices: dict[str, DeviceView] = {}

    def update(self, topic: str, payload: bytes, now: float | None = None) -> None:
        """Take one message; anything that is not a device's status/state/telemetry/health/events is ignored."""
        parts = topic.split("/")
        if len(parts) != 3 or parts[0] != "printedge" or parts[2] not in KINDS or parts[1] in NOT_DEVICES:
            return
        now = time.time() if now is None else now
        view = self.devices.setdefault(parts[1], DeviceView(parts[1]))
        data = _json(payload)
        stamped = data.get("ts") if isinstance(data, dict) else None
        seen = float(stamped) if isinstance(stamped, int | float) and 0 < stamped <= now + 60 else now
        view.last_seen = max(view.last_seen or 0.0, seen)
        kind = parts[2]
        if kind == "status":
            _status(view, payload, data)
        elif isinstance(data, dict):
            if kind in ("state", "telemetry"):
                _state(view, data)
            elif kind == "health":
                _health(view, data)
            else:
                _event(view, data)

    def rows(self, now: float) -> list[list[str]]:
        """One row of text cells per device, sorted by device id."""
        rows = []
        for view in sorted(self.devices.values(), key=lambda v: v.device_id):
            online = {True: "online", False: "offline", None: "-"}[view.online]
            rows.append(
                [
                    view.device_id,
                    view.name or "-",
                    online,
                    view.printer_state or "-",
                    view.job or "-",
                    f"{view.progress:.1f}%" if view.progress is not None else "-",
                    _pair(view.hotend),
                    _pair(view.bed),
                    _age(now - view.last_seen) + " ago" if view.last_seen is not None else "-",
                    "; ".join(view.warnings(now)) or "-",
                ]
            )
        return rows

    def render(self, now: float, *, color: bool = False) -> str:
        """The table as text (ANSI colours when asked)."""
        rows = self.rows(now)
        widths = [max([len(COLUMNS[i])] + [len(row[i]) for row in rows]) for i in range(len(COLUMNS))]
        lines = ["  ".join(title.ljust(widths[i]) for i, title in enumerate(COLUMNS)).rstrip()]
        for row in rows:
            cells = [cell.ljust(widths[i]) for i, cell in enumerate(row)]
            if color:
                cells[2] = {"online": GREEN, "offline": RED}.get(row[2], "") + cells[2] + RESET
                if row[9] != "-":
                    cells[9] = YELLOW + cells[9] + RESET
            lines.append("  ".join(cells).rstrip())
        if not rows:
            lines.append("(no device has published yet)")
        return "\n".join(lines) + "\n"


def _json(payload: bytes) -> object:
    try:
        return json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def _status(view: DeviceView, payload: bytes, data: object) -> None:
    text = payload.decode("utf-8", "replace").strip().lower()
    if isinstance(data, dict):
        value = data.get("online", data.get("status", data.get("state")))
        text = ("online" if value else "offline") if isinstance(value, bool) else str(value).lower()
        if isinstance(data.get("name"), str):
            view.name = data["name"]
    view.online = True if text == "online" else False if text == "offline" else view.online


def _state(view: DeviceView, data: Mapping[str, object]) -> None:
    device = data.get("device")
    name = device.get("name") if isinstance(device, dict) else None
    if isinstance(name, str):
        view.name = name
    printer = data.get("printer")
    printer = printer if isinstance(printer, dict) else data
    state = printer.get("state")
    if isinstance(state, str):
        view.printer_state = state
    temps = printer.get("temperatures")
    if isinstance(temps, dict):
        view.hotend = (temps.get("hotend"), temps.get("hotend_target"))
        view.bed = (temps.get("bed"), temps.get("bed_target"))
    if "job" in data:
        job = data["job"]
        if isinstance(job, dict):
            label = f"#{job.get('id', '?')}"
            if job.get("file_name"):
                label += f" {job['file_name']}"
            view.job = f"{label} {job.get('state', '')}".strip()
            progress = job.get("progress")
            view.progress = float(progress) if isinstance(progress, int | float) else None
        else:
            view.job, view.progress = None, None


def _health(view: DeviceView, data: Mapping[str, object]) -> None:
    found: list[str] = []
    warnings = data.get("warnings")
    if isinstance(warnings, list):
        found += [str(w) for w in warnings]
    components = data.get("components")
    if isinstance(components, dict):
        for name, health in components.items():
            if isinstance(health, dict) and health.get("ok") is False:
                found.append(f"{name}: {health.get('detail', 'unhealthy')}")
    if not found and (data.get("ok") is False or data.get("healthy") is False):
        found.append("unhealthy")
    view.health_warnings = found


def _event(view: DeviceView, data: Mapping[str, object]) -> None:
    level = str(data.get("level", data.get("severity", ""))).lower()
    if level in ("warning", "error", "critical"):
        what = data.get("message") or data.get("type") or data.get("event") or level
        view.event_warnings.append(str(what))


def _pair(pair: tuple[object, object]) -> str:
    def one(value: object) -> str:
        return f"{value:.0f}" if isinstance(value, int | float) else "-"

    current, target = pair
    return "-" if current is None and target is None else f"{one(current)}/{one(target)}"


def _age(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"

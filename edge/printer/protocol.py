"""Parse what Marlin-dialect firmware says into typed replies."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TEMP = re.compile(r"\b(T\d?|B|C)\s*:\s*(-?\d+(?:\.\d+)?)\s*(?:/\s*(-?\d+(?:\.\d+)?))?")
_ADV = re.compile(r"\b([NPB])(\d+)")
_RESEND = re.compile(r"^(?:Resend|rs)\s*:?\s*N?(\d+)", re.IGNORECASE)
_FW_FIELD = re.compile(r"([A-Z_]+):(.*?)(?=\s+[A-Z_]+:|$)")


@dataclass(frozen=True, slots=True)
class Temperatures:
    """Actual and target temperatures; None where the firmware did not say."""

    hotend: float | None = None
    hotend_target: float | None = None
    bed: float | None = None
    bed_target: float | None = None


@dataclass(frozen=True, slots=True)
class Ok:
    """An acknowledgement; with ADVANCED_OK it names the line and the free buffer space."""

    number: int | None = None
    planner_free: int | None = None
    queue_free: int | None = None
    temperatures: Temperatures | None = None


@dataclass(frozen=True, slots=True)
class Resend:
    """The firmware asks for every line from `number` again."""

    number: int


@dataclass(frozen=True, slots=True)
class FirmwareError:
    """`Error:` or `!!`; fatal when the firmware halted."""

    text: str
    fatal: bool
    line_error: bool


@dataclass(frozen=True, slots=True)
class Busy:
    """`busy: processing` and friends: the firmware is alive and working."""

    reason: str


@dataclass(frozen=True, slots=True)
class Wait:
    """`wait`: an idle firmware asking for more."""


@dataclass(frozen=True, slots=True)
class Start:
    """`start`: the firmware (re)booted."""


@dataclass(frozen=True, slots=True)
class TemperatureLine:
    """An autoreported (M155) or waiting (M109) temperature line."""

    temperatures: Temperatures


@dataclass(frozen=True, slots=True)
class Action:
    """`//action:<name> <args>`: a host action command."""

    name: str
    args: str


@dataclass(frozen=True, slots=True)
class FirmwareInfo:
    """The M115 `FIRMWARE_NAME:` line as fields."""

    fields: dict[str, str]


@dataclass(frozen=True, slots=True)
class Capability:
    """One M115 `Cap:NAME:0|1` line."""

    name: str
    enabled: bool


@dataclass(frozen=True, slots=True)
class Echo:
    """`echo:` text; `unknown_command` when the firmware did not understand a line."""

    text: str
    unknown_command: bool = False


@dataclass(frozen=True, slots=True)
class Unrecognized:
    """A line that fits no known reply (possibly a corrupted one)."""

    text: str


Reply = (
    Ok
    | Resend
    | FirmwareError
    | Busy
    | Wait
    | Start
    | TemperatureLine
    | Action
    | FirmwareInfo
    | Capability
    | Echo
    | Unrecognized
)


def parse_temperatures(text: str) -> Temperatures | None:
    """Temperatures from a `T:200.0 /200.0 B:60.0 /60.0` fragment, or None when there are none."""
    found: dict[str, tuple[float, float | None]] = {}
    for match in _TEMP.finditer(text):
        key = match.group(1)
        key = "T" if key in ("T", "T0") else key
        if key in found:
            continue
        target = match.group(3)
        found[key] = (float(match.group(2)), float(target) if target is not None else None)
    if "T" not in found and "B" not in found:
        return None
    hotend = found.get("T", (None, None))
    bed = found.get("B", (None, None))
    return Temperatures(hotend=hotend[0], hotend_target=hotend[1], bed=bed[0], bed_target=bed[1])


def parse_reply(raw: str) -> Reply:
    """Classify one line received from the firmware (without its newline)."""
    line = raw.strip()
    low = line.lower()
    if low == "ok" or low.startswith("ok "):
        rest = line[2:]
        fields = {k: int(v) for k, v in _ADV.findall(rest.split("T:", 1)[0])} if rest else {}
        return Ok(
            number=fields.get("N"),
            planner_free=fields.get("P"),
            queue_free=fields.get("B"),
            temperatures=parse_temperatures(rest) if "T:" in rest or "B:" in rest else None,
        )
    if low.startswith(("resend", "rs:", "rs ")):
        match = _RESEND.match(line)
        if match:
            return Resend(int(match.group(1)))
        return Unrecognized(line)
    if low.startswith("error") or line.startswith("!!"):
        text = line.split(":", 1)[1].strip() if ":" in line else line.lstrip("!").strip()
        fatal = line.startswith("!!") or "halted" in low or "kill" in low
        line_error = any(s in low for s in ("checksum", "line number", "no checksum", "last line"))
        return FirmwareError(text=text, fatal=fatal, line_error=line_error)
    if low.startswith(("//action:", "// action:")):
        body = line.split(":", 1)[1].strip()
        name, _, args = body.partition(" ")
        return Action(name=name.lower(), args=args.strip())
    if "busy:" in low:
        return Busy(reason=line.split("busy:", 1)[1].strip())
    if low == "wait":
        return Wait()
    if low == "start":
        return Start()
    if line.startswith("FIRMWARE_NAME:"):
        return FirmwareInfo(fields={k: v.strip() for k, v in _FW_FIELD.findall(line)})
    if line.startswith("Cap:"):
        parts = line.split(":")
        if len(parts) >= 3:
            return Capability(name=parts[1].strip().upper(), enabled=parts[2].strip() == "1")
        return Unrecognized(line)
    if low.startswith("echo:"):
        text = line[5:].strip()
        return Echo(text=text, unknown_command=text.lower().startswith("unknown command"))
    temps = parse_temperatures(line)
    if temps is not None and (line.startswith(("T:", "T0:", "B:")) or raw.startswith(" ")):
        return TemperatureLine(temps)
    return Unrecognized(line)

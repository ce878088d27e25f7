"""Parse what the firmware says into typed replies (Marlin, Prusa, RepRapFirmware, Klipper, Repetier)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TEMP = re.compile(r"\b(T\d?|B|C)\s*:\s*(-?\d+(?:\.\d+)?)\s*(?:/\s*(-?\d+(?:\.\d+)?))?")
_ADV = re.compile(r"\b([NPB])(\d+)")
_ADV_UNNUMBERED = re.compile(r"ok P\d+ B\d+\s*$")
_ADV_FULL = re.compile(r"ok N(\d+) P(\d+) B(\d+)\s*$")
_BARE_NUMBER = re.compile(r"ok\s+(\d+)\s*$")
_RESEND = re.compile(r"^(?:Resend|rs)\s*:?\s*N?(\d+)", re.IGNORECASE)
_SKIP = re.compile(r"^skip\s+(\d+)\s*$")
_FW_FIELD = re.compile(r"([A-Z_]+):\s*(.*?)(?=\s+[A-Z_]+:|$)")
_HALTS = ("halted", "kill() called", "emergency stop!", "killed")


@dataclass(slots=True)
class Temperatures:
    """Actual and target temperatures; None where the firmware did not say."""

    hotend: float | None = None
    hotend_target: float | None = None
    bed: float | None = None
    bed_target: float | None = None


@dataclass(slots=True)
class Ok:
    """An acknowledgement; with ADVANCED_OK it names the line and the free buffer space."""

    number: int | None = None
    planner_free: int | None = None
    queue_free: int | None = None
    temperatures: Temperatures | None = None
    bare_number: int | None = None  # Repetier: `ok 123`
    unnumbered_advanced: bool = False  # exactly `ok P<p> B<b>`: the ok of a command sent without N
    info: dict[str, str] | None = None  # Klipper answers M115 inside the ok


@dataclass(slots=True)
class Resend:
    """The firmware asks for every line from `number` again."""

    number: int


@dataclass(slots=True)
class Skip:
    """Repetier: a line it already had (or one in flight after a resend request) was ignored; an ok follows."""

    number: int


@dataclass(slots=True)
class FirmwareError:
    """`Error:`, `!!`, `fatal:`; fatal when the firmware halted, `bang` for lines that began with `!!`."""

    text: str
    fatal: bool
    line_error: bool
    bang: bool = False


@dataclass(slots=True)
class Busy:
    """`busy: processing` and friends: the firmware is alive and working."""

    reason: str


@dataclass(slots=True)
class Wait:
    """`wait`: an idle firmware asking for more."""


@dataclass(slots=True)
class Start:
    """`start`: the firmware (re)booted."""


@dataclass(slots=True)
class TemperatureLine:
    """An autoreported (M155), waiting (M109) or Repetier M105 temperature line."""

    temperatures: Temperatures


@dataclass(slots=True)
class Action:
    """`//action:<name> <args>`: a host action command."""

    name: str
    args: str


@dataclass(slots=True)
class FirmwareInfo:
    """The M115 `FIRMWARE_NAME:` line as fields."""

    fields: dict[str, str]


@dataclass(slots=True)
class Capability:
    """One M115 `Cap:NAME:0|1` line."""

    name: str
    enabled: bool


@dataclass(slots=True)
class Echo:
    """`echo:` or `// ` text; `unknown_command` when the firmware did not understand a line."""

    text: str
    unknown_command: bool = False


@dataclass(slots=True)
class Unrecognized:
    """A line that fits no known reply (possibly a corrupted one)."""

    text: str


Reply = (
    Ok
    | Resend
    | Skip
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


def parse_fields(line: str) -> dict[str, str]:
    """The `NAME:value` fields of an M115 line (Marlin writes no space after the colon, RepRapFirmware does)."""
    return {key: value.strip() for key, value in _FW_FIELD.findall(line)}


def parse_reply(raw: str) -> Reply:
    """Classify one line received from the firmware (without its newline)."""
    if raw[:4] == "ok N":
        full = _ADV_FULL.match(raw)
        if full is not None:  # the common case while streaming, without the general parse
            number, planner_free, queue_free = full.groups()
            return Ok(int(number), int(planner_free), int(queue_free))
    line = raw.strip()
    low = line.lower()
    if low == "ok" or low.startswith("ok "):
        return _parse_ok(line)
    if low.startswith(("resend", "rs:", "rs ")):
        match = _RESEND.match(line)
        return Resend(int(match.group(1))) if match else Unrecognized(line)
    if low.startswith("skip"):
        match = _SKIP.match(low)
        return Skip(int(match.group(1))) if match else Unrecognized(line)
    if low.startswith(("error", "fatal:")) or line.startswith("!!"):
        return _parse_error(line, low)
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
        return FirmwareInfo(fields=parse_fields(line))
    if line.startswith("Cap:"):
        parts = line.split(":")
        if len(parts) >= 3:
            return Capability(name=parts[1].strip().upper(), enabled=parts[2].strip() == "1")
        return Unrecognized(line)
    if low.startswith("echo:") or line.startswith("//"):
        text = line[5:].strip() if low.startswith("echo:") else line[2:].strip()
        if "klipper state: shutdown" in text.lower():
            return FirmwareError(text=text, fatal=True, line_error=False)
        return Echo(text=text, unknown_command=text.lower().startswith("unknown command"))
    if low.startswith("unknown") and "code" in low:
        return Echo(text=line, unknown_command=True)  # Prusa: `Unknown M code: ...`
    if "emergency stop!" in low:
        return FirmwareError(text=line, fatal=True, line_error=False)  # RepRapFirmware after M112
    temps = parse_temperatures(line)
    if temps is not None and (line.startswith(("T:", "T0:", "B:")) or raw.startswith(" ")):
        return TemperatureLine(temps)
    return Unrecognized(line)


def _parse_ok(line: str) -> Ok:
    full = _ADV_FULL.match(line)
    if full is not None:  # the common case while streaming, without the general parse
        return Ok(number=int(full.group(1)), planner_free=int(full.group(2)), queue_free=int(full.group(3)))
    rest = line[2:]
    if not rest:
        return Ok()
    if "FIRMWARE_NAME:" in rest:
        return Ok(info=parse_fields(rest.strip()))
    head = rest.split("T:", 1)[0]
    if "B:" in head:
        head = head.split("B:", 1)[0]
    fields = {k: int(v) for k, v in _ADV.findall(head)}
    has_temps = "T:" in rest or "B:" in rest
    bare = _BARE_NUMBER.match(line) if not fields else None
    return Ok(
        number=fields.get("N"),
        planner_free=fields.get("P"),
        queue_free=fields.get("B"),
        temperatures=parse_temperatures(rest) if has_temps else None,
        bare_number=int(bare.group(1)) if bare else None,
        unnumbered_advanced="N" not in fields and _ADV_UNNUMBERED.match(line) is not None,
    )


def _parse_error(line: str, low: str) -> FirmwareError:
    bang = line.startswith("!!")
    if bang:
        text = line.lstrip("!").strip()
    elif low.startswith("fatal:"):
        text = line
    else:
        text = line.split(":", 1)[1].strip() if ":" in line else line
    fatal = bang or low.startswith("fatal:") or any(word in low for word in _HALTS)
    line_error = any(s in low for s in ("checksum", "line number", "last line", "expected line", "format error"))
    return FirmwareError(text=text, fatal=fatal and not line_error, line_error=line_error, bang=bang)

"""Raspberry Pi readers: SoC temperature and the firmware's throttling flags (sources are parameters, for tests)."""

from __future__ import annotations

import re
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# Bits of `vcgencmd get_throttled`: 0-3 are the state now, 16-19 what has happened since boot.
FLAGS: Mapping[str, int] = {
    "under_voltage": 0,
    "arm_frequency_capped": 1,
    "throttled": 2,
    "soft_temperature_limit": 3,
}
SINCE_BOOT_SHIFT = 16
COMMAND_TIMEOUT_S = 2.0
_THROTTLED = re.compile(r"throttled=(0x[0-9a-fA-F]+|\d+)")


@dataclass(frozen=True, slots=True)
class Throttling:
    """The decoded flags: which conditions hold now, and which have happened since boot."""

    raw: int
    now: frozenset[str]
    since_boot: frozenset[str]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form, flags in a stable order."""
        return {
            "raw": f"0x{self.raw:x}",
            "now": [flag for flag in FLAGS if flag in self.now],
            "since_boot": [flag for flag in FLAGS if flag in self.since_boot],
        }


def decode_throttled(raw: int) -> Throttling:
    """Decode the bit field of `vcgencmd get_throttled` (0x50005: under-voltage and throttled, now and since boot)."""
    now = frozenset(flag for flag, bit in FLAGS.items() if raw >> bit & 1)
    since = frozenset(flag for flag, bit in FLAGS.items() if raw >> (bit + SINCE_BOOT_SHIFT) & 1)
    return Throttling(raw=raw, now=now, since_boot=since)


def parse_throttled(text: str) -> Throttling | None:
    """The flags in the command's output (`throttled=0x50005`), or None when it says no such thing."""
    match = _THROTTLED.search(text)
    return None if match is None else decode_throttled(int(match.group(1), 0))


def read_throttled(command: str) -> Throttling | None:
    """Run the command (blocking) and decode its answer; None when it is not there or fails (not a Pi)."""
    if not command.strip():
        return None
    try:
        result = subprocess.run(
            shlex.split(command), capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return parse_throttled(result.stdout) if result.returncode == 0 else None


def read_soc_temperature(path: Path) -> float | None:
    """The temperature in a sysfs thermal file (millidegrees Celsius), blocking; None when missing or unreadable."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    try:
        return int(text) / 1000.0
    except ValueError:
        return None

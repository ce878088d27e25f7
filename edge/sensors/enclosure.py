"""DS18B20 enclosure thermometer on 1-wire, read from its sysfs w1_slave file."""

from __future__ import annotations

from pathlib import Path


def parse_w1_slave(text: str) -> float:
    """The temperature in a w1_slave file (`... crc=.. YES` then `... t=23125`); ValueError when invalid."""
    lines = text.strip().splitlines()
    if len(lines) < 2 or not lines[0].strip().endswith("YES"):
        raise ValueError("CRC check failed (the first line does not end in YES)")
    _, sep, raw = lines[1].rpartition("t=")
    if not sep:
        raise ValueError("no t= field on the second line")
    return int(raw.strip()) / 1000.0


def read_ds18b20(path: Path) -> float:
    """Read and parse the sensor (blocking: the kernel talks to the sensor for ~750 ms)."""
    return parse_w1_slave(path.read_text(encoding="ascii", errors="replace"))

"""The Raspberry Pi readers, fed real files and a real command that answers like vcgencmd."""

from __future__ import annotations

import stat
from pathlib import Path

from edge.health.pi import decode_throttled, parse_throttled, read_soc_temperature, read_throttled


def fake_vcgencmd(folder: Path, answer: str, exit_code: int = 0) -> str:
    """A script that prints what vcgencmd get_throttled would; the command line to run it."""
    script = folder / "vcgencmd"
    script.write_text(f"#!/bin/sh\necho '{answer}'\nexit {exit_code}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return f"{script} get_throttled"


def test_0x50005_is_under_voltage_and_throttled_now_and_since_boot() -> None:
    flags = decode_throttled(0x50005)
    assert flags.now == {"under_voltage", "throttled"}
    assert flags.since_boot == {"under_voltage", "throttled"}


def test_0x80000_is_a_soft_temperature_limit_since_boot_only() -> None:
    flags = decode_throttled(0x80000)
    assert flags.now == frozenset()
    assert flags.since_boot == {"soft_temperature_limit"}


def test_0x0_is_a_healthy_pi() -> None:
    flags = decode_throttled(0)
    assert not flags.now and not flags.since_boot
    assert flags.to_dict() == {"raw": "0x0", "now": [], "since_boot": []}


def test_every_bit_is_named_in_a_stable_order() -> None:
    flags = decode_throttled(0xF000F)
    assert flags.to_dict()["now"] == ["under_voltage", "arm_frequency_capped", "throttled", "soft_temperature_limit"]
    assert flags.to_dict()["since_boot"] == flags.to_dict()["now"]


def test_output_without_the_field_is_not_a_reading() -> None:
    assert parse_throttled('error=1 error_msg="Command not registered"') is None
    flags = parse_throttled("throttled=0x2\n")
    assert flags is not None and flags.now == {"arm_frequency_capped"}


def test_the_command_is_run_and_its_answer_decoded(tmp_path: Path) -> None:
    flags = read_throttled(fake_vcgencmd(tmp_path, "throttled=0x50005"))
    assert flags is not None
    assert flags.raw == 0x50005 and "under_voltage" in flags.now


def test_a_missing_or_failing_command_means_not_a_pi(tmp_path: Path) -> None:
    assert read_throttled(f"{tmp_path / 'no-such-vcgencmd'} get_throttled") is None
    assert read_throttled(fake_vcgencmd(tmp_path, "throttled=0x50005", exit_code=1)) is None
    assert read_throttled("") is None


def test_soc_temperature_is_read_in_millidegrees(tmp_path: Path) -> None:
    zone = tmp_path / "temp"
    zone.write_text("48312\n")
    assert read_soc_temperature(zone) == 48.312
    assert read_soc_temperature(tmp_path / "missing") is None
    zone.write_text("garbage\n")
    assert read_soc_temperature(zone) is None

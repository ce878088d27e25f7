"""The systemd unit: valid for systemd-analyze as installed, with the devices and stop time PrintEdge needs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "systemd" / "printedge.service"
INSTALLED_SCRIPT = "/opt/printedge/.venv/bin/printedge"
GRACEFUL_STOP_DEADLINE_S = 30
COMPONENT_SHUTDOWN_S = 10

needs_systemd_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed (apt-get install systemd)"
)


def directives(text: str) -> list[tuple[str, str]]:
    """Every Key=value line of a unit, in order."""
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            pairs.append((key.strip(), value.strip()))
    return pairs


def installed_copy(tmp_path: Path, text: str | None = None) -> Path:
    """The unit with ExecStart pointing at this environment's real printedge console script."""
    text = UNIT.read_text() if text is None else text
    script = Path(sys.prefix) / "bin" / "printedge"
    assert f"ExecStart={INSTALLED_SCRIPT} " in text
    unit = tmp_path / UNIT.name
    unit.write_text(text.replace(f"ExecStart={INSTALLED_SCRIPT} ", f"ExecStart={script} "))
    return unit


def verify(unit: Path) -> tuple[int, list[str]]:
    """systemd-analyze verify's exit status and every line it printed about this unit."""
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=unit.parent,
    )
    lines = (result.stdout + result.stderr).splitlines()
    return result.returncode, [line for line in lines if unit.name in line or str(unit) in line]


@needs_systemd_analyze
def test_systemd_analyze_verifies_the_unit_without_a_warning(tmp_path: Path) -> None:
    assert (Path(sys.prefix) / "bin" / "printedge").is_file()
    code, about_unit = verify(installed_copy(tmp_path))
    assert about_unit == []
    assert code == 0


@needs_systemd_analyze
def test_the_verify_check_notices_a_broken_unit(tmp_path: Path) -> None:
    broken = UNIT.read_text().replace("TimeoutStopSec=", "TimeoutStopSecs=").replace("DeviceAllow=", "DeviceAlow=", 1)
    _, about_unit = verify(installed_copy(tmp_path, broken))
    assert any("Unknown key 'TimeoutStopSecs'" in line for line in about_unit), about_unit
    assert any("Unknown key 'DeviceAlow'" in line for line in about_unit), about_unit


def test_the_unit_allows_usb_serial_ports_and_the_virtual_printers_pseudo_terminal() -> None:
    allowed = {value for key, value in directives(UNIT.read_text()) if key == "DeviceAllow"}
    assert {"char-ttyACM rw", "char-ttyUSB rw", "/dev/ptmx rw", "char-pts rw"} <= allowed


def test_the_stop_timeout_covers_a_graceful_stop_and_component_shutdown() -> None:
    settings = dict(directives(UNIT.read_text()))
    timeout = settings["TimeoutStopSec"]
    assert timeout.isdigit(), f"TimeoutStopSec={timeout}: write plain seconds"
    assert int(timeout) >= GRACEFUL_STOP_DEADLINE_S + COMPONENT_SHUTDOWN_S
    assert settings["Type"] == "notify" and settings["KillSignal"] == "SIGTERM"

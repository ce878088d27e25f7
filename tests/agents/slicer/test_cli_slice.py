"""`printedge slice` as a user runs it: a real process, the worker, PrusaSlicer."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.agents.slicer.models import box, sphere

ROOT = Path(__file__).resolve().parents[3]


def printedge(*args: str) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "edge.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    return done.returncode, done.stdout, done.stderr


def test_slice_prints_the_analysis_as_json(tmp_path: Path) -> None:
    model = box(tmp_path / "cube.stl")
    out = tmp_path / "cube.gcode"
    code, stdout, _ = printedge("slice", str(model), "-o", str(out), "--material", "PETG", "--quality", "draft")
    assert code == 0
    result = json.loads(stdout)
    assert result["layers"] == 67 and result["material"] == "PETG"
    assert result["estimated_time_s"] > 0 and result["filament_mm"] > 0 and result["filament_g"] > 0
    assert result["gcode"] == str(out) and out.is_file()


def test_slice_with_an_unknown_profile_exits_2_naming_it(tmp_path: Path) -> None:
    model = box(tmp_path / "cube.stl")
    code, stdout, err = printedge("slice", str(model), "-o", str(tmp_path / "o.gcode"), "--printer", "mk4")
    assert (code, stdout) == (2, "")
    assert "unknown printer profile 'mk4'" in err and "prusa_mk3s" in err


def test_slice_of_a_missing_model_exits_2(tmp_path: Path) -> None:
    code, _, err = printedge("slice", str(tmp_path / "none.stl"), "-o", str(tmp_path / "o.gcode"))
    assert code == 2 and "none.stl" in err and "does not exist" in err


def test_slice_of_a_corrupt_model_exits_1_quoting_prusaslicer(tmp_path: Path) -> None:
    model = tmp_path / "broken.stl"
    model.write_bytes(b"\x00" * 300)
    code, _, err = printedge("slice", str(model), "-o", str(tmp_path / "o.gcode"))
    assert code == 1 and "PrusaSlicer failed" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.stl"]


def slicing_in_background(tmp_path: Path) -> tuple[subprocess.Popen[str], list[psutil.Process], Path]:
    """`printedge slice` of a slow model, once its PrusaSlicer runs: the process, its descendants, the output folder."""
    model = sphere(tmp_path / "sphere.stl", diameter=60, subdivisions=6)
    out = tmp_path / "out"
    out.mkdir()
    cli = [sys.executable, "-m", "edge.cli", "slice", str(model), "-o", str(out / "sphere.gcode")]
    proc = subprocess.Popen(cli, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        family = psutil.Process(proc.pid).children(recursive=True)
        if any(p.exe().endswith("/prusa-slicer") for p in family if p.is_running()):
            return proc, family, out
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("PrusaSlicer never started")


def gone(processes: list[psutil.Process], within_s: float = 10) -> bool:
    _, alive = psutil.wait_procs(processes, timeout=within_s)
    return all(p.status() == psutil.STATUS_ZOMBIE for p in alive)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupting_slice_stops_prusaslicer_and_leaves_no_file(tmp_path: Path, signum: signal.Signals) -> None:
    proc, family, out = slicing_in_background(tmp_path)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "stopped" in err
    assert gone(family)
    assert list(out.iterdir()) == []


def test_a_worker_whose_parent_is_killed_stops_and_cleans_up(tmp_path: Path) -> None:
    proc, family, out = slicing_in_background(tmp_path)
    proc.kill()
    proc.wait()
    assert gone(family)
    assert list(out.iterdir()) == []

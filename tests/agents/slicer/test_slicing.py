"""Slicing with PrusaSlicer: every profile gives good G-code; every failure is a clear error and leaves no file."""

from __future__ import annotations

import math
import time
from pathlib import Path

import psutil
import pytest

from edge.agents.errors import ModelError, SlicerError
from edge.agents.slicer.profiles import resolve
from edge.agents.slicer.stage import slice
from tests.agents.slicer.models import box, cylinder, sphere

CASES = [
    # Every printer, material and quality at least once.
    ("generic_marlin_220", "PLA", "standard"),
    ("prusa_mk3s", "PETG", "fine"),
    ("ender3_v2", "ABS", "draft"),
    ("generic_marlin_220", "TPU", "ultra"),
]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".stl"))


def processes_left() -> list[psutil.Process]:
    # Any child counts: PrusaSlicer renames itself (slic3r_main), and nothing else runs under this test.
    return psutil.Process().children(recursive=True)


@pytest.mark.parametrize(("printer", "material", "quality"), CASES)
def test_a_cube_slices_into_g_code_for_its_profiles(tmp_path: Path, printer: str, material: str, quality: str) -> None:
    model = box(tmp_path / "cube.stl", 20, 20, 20)
    out = tmp_path / "cube.gcode"
    result = slice({"model": str(model), "out": str(out), "printer": printer, "material": material, "quality": quality})
    profiles = resolve(printer, material, quality)
    layer = profiles.number("layer_height")
    first = profiles.number("first_layer_height")
    assert result["gcode"] == str(out) and leftovers(tmp_path) == ["cube.gcode"]
    assert abs(result["layers"] - (1 + math.ceil((20 - first) / layer - 1e-6))) <= 1
    assert result["progress_m73"] is True
    assert "\nM73 P" in out.read_text()
    hotend = max(profiles.number("temperature"), profiles.number("first_layer_temperature"))
    bed = max(profiles.number("bed_temperature"), profiles.number("first_layer_bed_temperature"))
    assert (result["hotend_max_c"], result["bed_max_c"]) == (hotend, bed)
    assert result["filament_g"] > 0 and result["filament_mm"] > 100
    assert result["estimated_time_s"] > 60
    assert result["max_z_mm"] <= profiles.number("max_print_height")
    assert (result["printer"], result["material"], result["quality"]) == (printer, material, quality)


def test_a_cylinder_slices_on_the_ender(tmp_path: Path) -> None:
    model = cylinder(tmp_path / "cylinder.stl", diameter=30, height=10)
    result = slice({"model": str(model), "out": str(tmp_path / "c.gcode"), "printer": "ender3_v2", "quality": "draft"})
    assert 33 <= result["layers"] <= 35
    assert result["filament_g"] > 0


def test_a_missing_slicer_is_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    model = box(tmp_path / "cube.stl")
    request = {"model": str(model), "out": str(tmp_path / "cube.gcode"), "slicer_path": str(tmp_path / "prusa-slicer")}
    with pytest.raises(SlicerError) as caught:
        slice(request)
    assert f"PrusaSlicer not found at '{tmp_path / 'prusa-slicer'}'" in caught.value.message
    assert "install the prusa-slicer package" in caught.value.message
    assert leftovers(tmp_path) == []


def test_an_unknown_profile_is_refused_before_slicing(tmp_path: Path) -> None:
    with pytest.raises(SlicerError, match="unknown quality profile 'coarse'"):
        slice({"model": str(box(tmp_path / "cube.stl")), "out": str(tmp_path / "o.gcode"), "quality": "coarse"})
    assert leftovers(tmp_path) == []


def test_a_corrupt_model_is_a_slicer_error_quoting_prusaslicer(tmp_path: Path) -> None:
    model = tmp_path / "broken.stl"
    model.write_bytes(b"solid broken\n" + bytes(range(256)) * 3)
    with pytest.raises(SlicerError) as caught:
        slice({"model": str(model), "out": str(tmp_path / "broken.gcode")})
    assert "PrusaSlicer failed" in caught.value.message
    assert "Loading of a model file failed" in caught.value.message
    assert leftovers(tmp_path) == []


def test_a_missing_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        slice({"model": str(tmp_path / "none.stl"), "out": str(tmp_path / "o.gcode")})


def test_a_model_larger_than_the_bed_is_a_slicer_error_quoting_prusaslicer(tmp_path: Path) -> None:
    model = box(tmp_path / "wide.stl", 300, 20, 5)
    with pytest.raises(SlicerError, match="could not fit on the bed"):
        slice({"model": str(model), "out": str(tmp_path / "wide.gcode")})
    assert leftovers(tmp_path) == []


def test_a_model_taller_than_the_printer_is_refused(tmp_path: Path) -> None:
    model = box(tmp_path / "tall.stl", 10, 10, 215)
    request = {"model": str(model), "out": str(tmp_path / "tall.gcode"), "printer": "prusa_mk3s", "quality": "draft"}
    with pytest.raises(ModelError, match="above the prusa_mk3s printer's 210 mm"):
        slice(request)
    assert leftovers(tmp_path) == []


def test_a_slice_over_its_time_is_stopped_and_leaves_nothing(tmp_path: Path) -> None:
    model = sphere(tmp_path / "sphere.stl", diameter=60, subdivisions=6)
    started = time.monotonic()
    with pytest.raises(SlicerError, match=r"did not finish within 0\.5 s"):
        slice({"model": str(model), "out": str(tmp_path / "sphere.gcode"), "timeout_s": 0.5})
    assert time.monotonic() - started < 5
    assert processes_left() == []
    assert leftovers(tmp_path) == []

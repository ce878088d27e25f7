"""The shipped PrusaSlicer profiles: found by name, complete, and within the appliance's safety limits."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from edge.agents.errors import SlicerError
from edge.agents.slicer.profiles import SHIPPED_DIR, known, read_ini, resolve
from edge.agents.spec import MATERIALS, QUALITIES
from edge.config.schema import AgentsConfig, LimitsConfig

PRINTERS = ("ender3_v2", "generic_marlin_220", "prusa_mk3s")
LAYER_HEIGHTS = {"draft": 0.3, "standard": 0.2, "fine": 0.15, "ultra": 0.1}


def test_every_printer_material_and_quality_the_config_accepts_has_a_profile() -> None:
    assert known("printer") == sorted(PRINTERS)
    assert sorted(known("material")) == sorted(MATERIALS)
    assert sorted(known("quality")) == sorted(QUALITIES)
    resolve(AgentsConfig().printer_profile, AgentsConfig().material, AgentsConfig().quality)


@pytest.mark.parametrize(
    ("printer", "material", "quality", "named", "listed"),
    [
        ("mk4", "PLA", "standard", "unknown printer profile 'mk4'", "ender3_v2, generic_marlin_220, prusa_mk3s"),
        ("prusa_mk3s", "wood", "standard", "unknown material profile 'wood'", "ABS, PETG, PLA, TPU"),
        ("prusa_mk3s", "PLA", "superfine", "unknown quality profile 'superfine'", "draft, fine, standard, ultra"),
        ("../printers/prusa_mk3s", "PLA", "standard", "unknown printer profile", "prusa_mk3s"),
    ],
)
def test_an_unknown_name_is_refused_naming_it_and_the_known_ones(
    printer: str, material: str, quality: str, named: str, listed: str
) -> None:
    with pytest.raises(SlicerError) as caught:
        resolve(printer, material, quality)
    assert named in caught.value.message and listed in caught.value.message


def test_material_names_are_matched_in_any_case() -> None:
    assert resolve("prusa_mk3s", "petg", "Fine").material == "PETG"


def test_a_configured_profiles_dir_replaces_the_shipped_one(tmp_path: Path) -> None:
    shutil.copytree(SHIPPED_DIR, tmp_path, dirs_exist_ok=True)
    (tmp_path / "printers" / "my_printer.ini").write_text((SHIPPED_DIR / "printers" / "ender3_v2.ini").read_text())
    assert "my_printer" in known("printer", str(tmp_path))
    assert resolve("my_printer", "PLA", "draft", str(tmp_path)).files[0].parent == tmp_path / "printers"


def test_a_missing_profiles_dir_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(SlicerError, match="does not exist"):
        resolve("prusa_mk3s", "PLA", "standard", str(tmp_path / "nowhere"))


@pytest.mark.parametrize("printer", PRINTERS)
def test_printers_write_marlin_2_progress_and_layer_numbers(printer: str) -> None:
    settings = read_ini(SHIPPED_DIR / "printers" / f"{printer}.ini")
    assert settings["gcode_flavor"] == "marlin2"
    assert settings["remaining_times"] == "1"
    assert settings["nozzle_diameter"] == "0.4"
    assert ";LAYER:[layer_num]" in settings["before_layer_gcode"]
    for command in ("M190 S[first_layer_bed_temperature]", "M109 S[first_layer_temperature]", "G28"):
        assert command in settings["start_gcode"]
    for command in ("M104 S0", "M140 S0", "M107", "M84"):
        assert command in settings["end_gcode"]


@pytest.mark.parametrize("material", MATERIALS)
def test_filament_temperatures_stay_within_the_default_safety_limits(material: str) -> None:
    settings = read_ini(SHIPPED_DIR / "filaments" / f"{material.lower()}.ini")
    limits = LimitsConfig()
    for key in ("temperature", "first_layer_temperature"):
        assert 170 <= float(settings[key]) <= limits.hotend_max_c
    for key in ("bed_temperature", "first_layer_bed_temperature"):
        assert 0 <= float(settings[key]) <= limits.bed_max_c
    assert settings["filament_diameter"] == "1.75"
    assert 0.9 < float(settings["filament_density"]) < 1.5


@pytest.mark.parametrize("quality", QUALITIES)
def test_qualities_have_their_layer_height(quality: str) -> None:
    assert resolve("prusa_mk3s", "PLA", quality).number("layer_height") == LAYER_HEIGHTS[quality]

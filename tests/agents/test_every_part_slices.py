"""Every catalog part, built by CAD with its defaults, slices with every printer profile: real PrusaSlicer."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from edge.agents.cad import build_part
from edge.agents.slicer.profiles import known
from edge.agents.slicer.stage import slice
from edge.agents.spec import PARTS, BuildLimits, DesignSpec, Param

PRINTERS = known("printer")
# The smallest bed of the three profiles (the Ender's and the generic 220 x 220, the MK3S's 210 mm height).
LIMITS = BuildLimits(width_mm=220, depth_mm=210, height_mm=210)


def half_size(part: str) -> dict[str, Param]:
    """The part's defaults at half size (counts, angles and the gear module kept): quicker to slice, as real."""
    return {
        key: value / 2 if isinstance(value, float) and key not in ("angle", "module") else value
        for key, value in PARTS[part].items()
    }


def slice_part(part: str, folder: Path) -> dict[str, dict[str, Any]]:
    """Build one part and slice it for every printer; each printer's analysis."""
    mesh = build_part(DesignSpec(part=part, parameters=half_size(part)), LIMITS)
    model = folder / f"{part}.stl"
    mesh.export(model)
    results = {}
    for printer in PRINTERS:
        results[printer] = slice(
            {
                "model": str(model),
                "out": str(folder / f"{part}-{printer}.gcode"),
                "printer": printer,
                "quality": "draft",
            }
        ) | {"height": float(mesh.extents[2])}
    return results


@pytest.mark.slow
def test_every_part_slices_with_every_printer_profile(tmp_path: Path) -> None:
    assert PRINTERS == ["ender3_v2", "generic_marlin_220", "prusa_mk3s"]
    with ThreadPoolExecutor(max_workers=2) as pool:  # PrusaSlicer runs as a subprocess: two at once use both cores
        results = dict(zip(PARTS, pool.map(lambda part: slice_part(part, tmp_path), PARTS), strict=True))
    for part, by_printer in results.items():
        for printer, result in by_printer.items():
            where = f"{part} on {printer}"
            assert result["layers"] >= 1 and result["progress_m73"], where
            assert result["filament_g"] > 0, where
            # Draft layers are 0.3 mm: the part's height in layers, give or take the first layer and rounding.
            assert abs(result["layers"] - result["height"] / 0.3) <= 2, (where, result["layers"], result["height"])

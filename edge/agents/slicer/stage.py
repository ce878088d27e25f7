"""The slice stage the worker runs: a model file and three profile names in, G-code and its analysis out."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from edge.agents import progress
from edge.agents.errors import ModelError, SlicerError
from edge.agents.slicer.analysis import analyse_slice
from edge.agents.slicer.profiles import resolve
from edge.agents.slicer.prusaslicer import find_slicer, run_slicer, slicer_command

DEFAULTS: dict[str, Any] = {
    "printer": "generic_marlin_220",
    "material": "PLA",
    "quality": "standard",
    "timeout_s": 600.0,
    "slicer_path": "prusa-slicer",
    "profiles_dir": "",
    "max_line_length": 96,
}
# Fractions of the stage's progress: PrusaSlicer's own 0-100 % maps onto SLICING, the analysis follows.
SLICING = (0.02, 0.9)
# Room above the printer's height for the end G-code's lift.
HEIGHT_TOLERANCE_MM = 0.01


def slice(request: dict[str, Any]) -> dict[str, Any]:
    """Slice request["model"] into request["out"]: the analysis of the G-code plus "gcode", its path."""
    options = {**DEFAULTS, **{k: v for k, v in request.items() if v is not None}}
    profiles = resolve(
        str(options["printer"]), str(options["material"]), str(options["quality"]), str(options["profiles_dir"])
    )
    model = Path(str(options["model"]))
    out = Path(str(options["out"]))
    if not model.is_file():
        raise ModelError(f"model file {str(model)!r} does not exist")
    if not out.parent.is_dir():
        raise SlicerError(f"cannot write {str(out)!r}: the folder {str(out.parent)!r} does not exist")
    slicer = find_slicer(str(options["slicer_path"]))
    progress.report(SLICING[0], f"slicing {model.name} for {profiles.printer}, {profiles.material}, {profiles.quality}")
    # PrusaSlicer writes beside the output, in a private folder: nothing is left if it fails or is stopped.
    workdir = Path(tempfile.mkdtemp(prefix=".slicing-", dir=out.parent))
    try:
        partial = workdir / out.name
        run_slicer(
            slicer_command(slicer, profiles, model, partial),
            timeout_s=float(options["timeout_s"]),
            on_progress=lambda done, message: progress.report(SLICING[0] + done * (SLICING[1] - SLICING[0]), message),
        )
        if not partial.is_file():
            raise SlicerError(f"PrusaSlicer finished without writing {out.name}")
        progress.report(SLICING[1], "analysing the G-code")
        result = analyse_slice(partial, profiles, max_line_length=int(options["max_line_length"]))
        _check_height(result, profiles.number("max_print_height"), model)
        os.replace(partial, out)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    progress.report(1.0, "sliced")
    return {**result, "gcode": str(out)}


def _check_height(result: dict[str, Any], max_height: float, model: Path) -> None:
    """PrusaSlicer slices a model taller than the printer without complaint; refuse it here."""
    if max_height > 0 and float(result["max_z_mm"]) > max_height + HEIGHT_TOLERANCE_MM:
        raise ModelError(
            f"model {model.name} reaches {result['max_z_mm']:g} mm once sliced, above the {result['printer']} "
            f"printer's {max_height:g} mm"
        )

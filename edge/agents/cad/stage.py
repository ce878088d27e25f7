"""The CAD stages as the worker process runs them: a JSON-ready dict in, a JSON-ready dict out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edge.agents.cad.design import make_part
from edge.agents.cad.formats import MB, write_stl
from edge.agents.cad.result import Made
from edge.agents.cad.upload import load_upload
from edge.agents.spec import BuildLimits, DesignSpec


def build(request: dict[str, Any]) -> dict[str, Any]:
    """{"spec", "limits", "out"} -> the part written to out as binary STL, with its size, checks and repairs."""
    made = make_part(DesignSpec.from_dict(request["spec"]), BuildLimits.from_dict(request["limits"]))
    return _written(made, Path(request["out"]))


def upload(request: dict[str, Any]) -> dict[str, Any]:
    """{"model", "limits", "out", "max_model_mb", "max_triangles"} -> the checked, placed model written to out."""
    made = load_upload(
        Path(request["model"]),
        BuildLimits.from_dict(request["limits"]),
        int(request["max_model_mb"]) * MB,
        int(request["max_triangles"]),
    )
    return _written(made, Path(request["out"]))


def _written(made: Made, out: Path) -> dict[str, Any]:
    write_stl(made.mesh, out)
    return {"mesh": str(out), **made.summary()}

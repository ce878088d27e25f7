"""The worker's stage functions: JSON in, a binary STL and JSON out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import trimesh

from edge.agents.cad import stage
from edge.agents.errors import DesignError
from edge.agents.spec import BuildLimits, DesignSpec

LIMITS = BuildLimits(width_mm=220, depth_mm=220, height_mm=250, nozzle_mm=0.4)


def through_json(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(data))
    return result


def test_build_writes_the_part_and_reports_it(tmp_path: Path) -> None:
    out = tmp_path / "jobs" / "mesh.stl"
    spec = DesignSpec(part="washer", parameters={"outer_diameter": 20.0}, copies=2)
    reply = through_json(
        stage.build(through_json({"spec": spec.to_dict(), "limits": LIMITS.to_dict(), "out": str(out)}))
    )
    assert reply["mesh"] == str(out)
    written = trimesh.load(out, file_type="stl")
    assert written.is_watertight
    assert len(written.faces) == reply["triangles"]
    assert written.volume == pytest.approx(reply["volume_mm3"], rel=1e-6)
    assert written.extents == pytest.approx(reply["size_mm"], abs=1e-3)
    assert reply["size_mm"][2] == pytest.approx(1.6)
    assert reply["checks"]["copies"] == 2 and reply["repairs"] == []
    assert [p.name for p in out.parent.iterdir()] == ["mesh.stl"]  # no temporary file left behind


def test_upload_writes_the_placed_model_and_its_repairs(tmp_path: Path) -> None:
    model = tmp_path / "in.stl"
    solid = trimesh.creation.box((30, 20, 10))
    solid.invert()
    model.write_bytes(solid.export(file_type="stl"))
    request = {"model": str(model), "limits": LIMITS.to_dict(), "out": str(tmp_path / "out.stl")}
    reply = through_json(stage.upload(through_json({**request, "max_model_mb": 100, "max_triangles": 1000})))
    assert reply["volume_mm3"] == pytest.approx(6000)
    assert reply["repairs"] == ["turned the model right side out (its normals pointed inward)"]
    written = trimesh.load(tmp_path / "out.stl", file_type="stl")
    assert written.bounds[0][2] == pytest.approx(0) and written.bounds.mean(axis=0)[:2] == pytest.approx([110, 110])


def test_a_refused_build_writes_nothing(tmp_path: Path) -> None:
    spec = DesignSpec(part="cube", parameters={"size": 300.0})
    with pytest.raises(DesignError, match=r"the mesh is 300.0 x 300.0 x 300.0 mm; the bed is 220 x 220 x 250 mm"):
        stage.build({"spec": spec.to_dict(), "limits": LIMITS.to_dict(), "out": str(tmp_path / "mesh.stl")})
    assert list(tmp_path.iterdir()) == []

"""An uploaded model becomes a checked mesh on the bed: refused early if it cannot be, repaired only where safe."""

from __future__ import annotations

from pathlib import Path

import manifold3d as m3
import trimesh

from edge.agents.cad.checks import check_fits, check_solid
from edge.agents.cad.formats import inspect
from edge.agents.cad.placement import lay_flat, place_on_bed, turn_to_fit
from edge.agents.cad.repair import repair
from edge.agents.cad.result import Made
from edge.agents.cad.solids import to_manifold
from edge.agents.cad.thickness import wall_estimate
from edge.agents.errors import ModelError
from edge.agents.spec import BuildLimits

FILE_TYPES = {"binary_stl": "stl", "ascii_stl": "stl", "3mf": "3mf", "obj": "obj"}


def load_model(
    path: str | Path, limits: BuildLimits, max_bytes: int, max_triangles: int
) -> tuple[trimesh.Trimesh, list[str]]:
    """The model checked, repaired where safe and placed on the bed, with the repairs made."""
    made = load_upload(Path(path), limits, max_bytes, max_triangles)
    return made.mesh, made.repairs


def load_upload(path: Path, limits: BuildLimits, max_bytes: int, max_triangles: int) -> Made:
    """load_model with the checks it passed."""
    kind = inspect(path, max_bytes, max_triangles)
    mesh = _read(path, kind)
    if len(mesh.faces) > max_triangles:
        raise ModelError(f"{path.name} has {len(mesh.faces):,} triangles; the limit is {max_triangles:,}")
    repairs = repair(mesh, indexed=kind in ("3mf", "obj"))
    checks = check_solid(mesh)
    solid = to_manifold(mesh)
    if solid.status() != m3.Error.NoError:
        raise ModelError(f"{path.name} is not a valid closed solid ({solid.status().name})")
    checks.update(wall_estimate(mesh, solid, limits.nozzle_mm))
    checks["flat_face_down"] = lay_flat(mesh)
    checks["turned_to_fit"] = turn_to_fit(mesh, limits, ModelError)
    check_fits(mesh.extents, limits)
    place_on_bed(mesh, limits)
    checks.update(fits_bed=True, on_bed=True, centred=True, format=kind)
    return Made(mesh=mesh, checks=checks, repairs=repairs)


def _read(path: Path, kind: str) -> trimesh.Trimesh:
    """Load without trimesh's own processing, so every repair is ours and reported; 3MF parts are joined."""
    try:
        loaded = trimesh.load(str(path), file_type=FILE_TYPES[kind], force="mesh", process=False)
    except Exception as exc:  # trimesh raises many types for malformed files; all mean "cannot read"
        raise ModelError(f"could not read {path.name} as {FILE_TYPES[kind].upper()}: {exc}") from exc
    if not isinstance(loaded, trimesh.Trimesh) or len(loaded.faces) == 0:
        raise ModelError(f"{path.name} has no triangles")
    units = getattr(loaded, "units", None)
    if units not in (None, "mm", "millimeter", "millimeters"):
        loaded.convert_units("millimeters")
    return loaded

"""Putting a mesh on the bed: flat face down, turned to fit, centred, and copies set out in a grid.

Convention: mesh coordinates are bed coordinates in mm, origin at the bed's front-left corner; a placed
mesh's lowest point is at z = 0 and its bounding box is centred on the bed centre (width / 2, depth / 2).
"""

from __future__ import annotations

import math
from typing import Any

import manifold3d as m3
import numpy as np
import trimesh

from edge.agents.cad.checks import check_fits, fits
from edge.agents.errors import AgentError, DesignError
from edge.agents.spec import BuildLimits

COPY_GAP_MM = 5.0
FACE_CANDIDATES = 12  # the largest convex-hull facets whose flat area in the model is measured
DOWN = np.array([0.0, 0.0, -1.0])
QUARTER_TURN = np.array([[0.0, -1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]])


def lay_flat(mesh: trimesh.Trimesh) -> dict[str, Any]:
    """Rotate so the model's largest flat face that it can rest on lies on the bed; reports what was done."""
    best_normal, best_area = DOWN, _area_on_plane(mesh, DOWN)
    for normal in _hull_facet_normals(mesh):
        area = _area_on_plane(mesh, normal)
        if area > best_area * 1.01:  # ties keep the model as it was uploaded
            best_normal, best_area = normal, area
    rotated = not np.allclose(best_normal, DOWN)
    if rotated:
        mesh.apply_transform(trimesh.geometry.align_vectors(best_normal, DOWN))  # type: ignore[no-untyped-call]
    return {"rotated": rotated, "face_down_mm2": round(best_area, 1)}


def turn_to_fit(mesh: trimesh.Trimesh, limits: BuildLimits, error: type[AgentError]) -> bool:
    """Fit the build volume, turning the model a quarter about Z if only that fits; True if turned."""
    if fits(mesh.extents, limits):
        return False
    if fits(mesh.extents[[1, 0, 2]], limits):
        mesh.apply_transform(QUARTER_TURN)
        return True
    check_fits(mesh.extents, limits, error)
    return False


def place_on_bed(mesh: trimesh.Trimesh, limits: BuildLimits) -> None:
    """Move so the lowest point is at z = 0 and the bounding box is centred on the bed."""
    low, high = mesh.bounds
    centre = (low + high) / 2
    mesh.apply_translation((limits.width_mm / 2 - centre[0], limits.depth_mm / 2 - centre[1], -low[2]))


def arrange_copies(mesh: trimesh.Trimesh, copies: int, limits: BuildLimits) -> trimesh.Trimesh:
    """Copies in the squarest grid that fits, COPY_GAP_MM apart (turned if only that fits), or how many would."""
    if copies == 1:
        return mesh
    fx, fy = float(mesh.extents[0]), float(mesh.extents[1])
    columns = _grid(copies, fx, fy, limits)
    if columns is None and _grid(copies, fy, fx, limits) is not None:
        mesh.apply_transform(QUARTER_TURN)
        fx, fy = fy, fx
        columns = _grid(copies, fx, fy, limits)
    if columns is None:
        most = max(_most(fx, fy, limits), _most(fy, fx, limits))
        raise DesignError(
            f"{copies} copies of a {fx:.1f} x {fy:.1f} mm part do not fit the {limits.width_mm:g} x "
            f"{limits.depth_mm:g} mm bed {COPY_GAP_MM:g} mm apart; at most {most} fit"
        )
    parts = []
    for i in range(copies):
        copy = mesh.copy()
        copy.apply_translation(((i % columns) * (fx + COPY_GAP_MM), (i // columns) * (fy + COPY_GAP_MM), 0.0))
        parts.append(copy)
    joined = trimesh.util.concatenate(parts)
    if not isinstance(joined, trimesh.Trimesh):
        raise TypeError(f"joining copies gave {type(joined).__name__}, not a mesh")
    return joined


def _grid(copies: int, fx: float, fy: float, limits: BuildLimits) -> int | None:
    best: tuple[float, int] | None = None
    for columns in range(1, copies + 1):
        rows = math.ceil(copies / columns)
        width = columns * fx + (columns - 1) * COPY_GAP_MM
        depth = rows * fy + (rows - 1) * COPY_GAP_MM
        if width <= limits.width_mm and depth <= limits.depth_mm:
            score = max(width / limits.width_mm, depth / limits.depth_mm)
            if best is None or score < best[0]:
                best = (score, columns)
    return None if best is None else best[1]


def _most(fx: float, fy: float, limits: BuildLimits) -> int:
    columns = math.floor((limits.width_mm + COPY_GAP_MM) / (fx + COPY_GAP_MM))
    rows = math.floor((limits.depth_mm + COPY_GAP_MM) / (fy + COPY_GAP_MM))
    return max(0, columns) * max(0, rows)


def _hull_facet_normals(mesh: trimesh.Trimesh) -> list[np.ndarray]:
    """Outward normals of the convex hull's largest facets: the faces the model can rest on."""
    hull = m3.Manifold.hull_points(np.asarray(mesh.vertices, dtype=np.float64)).to_mesh64()
    triangles = np.asarray(hull.vert_properties)[:, :3][np.asarray(hull.tri_verts, dtype=np.int64)]
    cross = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
    areas = np.linalg.norm(cross, axis=1) / 2
    keep = areas > 1e-12
    normals = np.round(cross[keep] / (2 * areas[keep, None]), 4)
    unique, inverse = np.unique(normals, axis=0, return_inverse=True)
    facet_areas = np.bincount(inverse.ravel(), weights=areas[keep])
    order = np.argsort(facet_areas)[::-1][:FACE_CANDIDATES]
    return [unique[i] / np.linalg.norm(unique[i]) for i in order]


def _area_on_plane(mesh: trimesh.Trimesh, normal: np.ndarray) -> float:
    """Area of the model's faces facing `normal` and lying in the supporting plane on that side."""
    support = float(np.max(mesh.vertices @ normal))
    facing = mesh.face_normals @ normal > 0.9999
    on_plane = np.abs(mesh.triangles_center @ normal - support) < 1e-3
    return float(mesh.area_faces[facing & on_plane].sum())

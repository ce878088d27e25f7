"""An estimate of an uploaded model's thinnest walls: rays cast inward from points sampled on its surface."""

from __future__ import annotations

from typing import Any

import manifold3d as m3
import numpy as np
import trimesh

from edge.agents.errors import ModelError

SAMPLES = 400  # surface points, area-weighted, so the thin share estimates a share of the surface
THIN_SHARE = 0.05  # more of the surface than this thinner than the nozzle: refused
START_MM = 1e-4  # rays start this far inside, so they do not hit the face they leave


def wall_estimate(mesh: trimesh.Trimesh, solid: m3.Manifold, nozzle_mm: float) -> dict[str, Any]:
    """Wall thickness at sampled points (inward ray to the next surface); refuse if too much is thinner than the nozzle."""
    points, faces = trimesh.sample.sample_surface(mesh, SAMPLES, seed=1)
    inward = -mesh.face_normals[faces]
    reach = float(np.linalg.norm(mesh.extents)) + 1.0
    widths = []
    for point, direction in zip(points, inward, strict=True):
        origin = point + direction * START_MM
        hits = solid.ray_cast(tuple(origin), tuple(point + direction * reach))
        if hits:
            widths.append(START_MM + min(hit.distance for hit in hits) * (reach - START_MM))
    if not widths:
        return {"wall_check": "ray estimate", "samples": 0}
    measured = np.asarray(widths)
    thin = float((measured < nozzle_mm).mean())
    thinnest = float(measured.min())
    if thin > THIN_SHARE:
        raise ModelError(
            f"about {thin:.0%} of the model's surface has walls thinner than the {nozzle_mm:g} mm nozzle "
            f"(thinnest {thinnest:.2f} mm); thicken them or scale the model up"
        )
    return {
        "wall_check": "ray estimate",
        "samples": len(widths),
        "thinnest_wall_mm": round(thinnest, 3),
        "thin_share": round(thin, 3),
        "nozzle_mm": nozzle_mm,
    }

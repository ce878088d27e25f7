"""The checks every mesh passes before it leaves the agent: a closed solid, thick enough, fits the printer."""

from __future__ import annotations

from typing import Any

import numpy as np
import trimesh

from edge.agents.cad.parts.base import Walls
from edge.agents.errors import AgentError, DesignError, ModelError
from edge.agents.spec import BuildLimits


def edge_counts(mesh: trimesh.Trimesh) -> tuple[int, int]:
    """(open edges used by one face, non-manifold edges used by more than two)."""
    _, counts = np.unique(mesh.edges_sorted, axis=0, return_counts=True)
    return int((counts == 1).sum()), int((counts > 2).sum())


def check_solid(mesh: trimesh.Trimesh) -> dict[str, Any]:
    """Watertight, consistently wound, positive volume; a ModelError names what is wrong."""
    if len(mesh.faces) == 0:
        raise ModelError("the model has no triangles")
    if not mesh.is_watertight:
        open_edges, shared = edge_counts(mesh)
        raise ModelError(
            f"the model is not watertight: {open_edges} open edges and {shared} edges shared by more than two "
            "triangles; close the holes in your CAD program and export again"
        )
    if not mesh.is_winding_consistent:
        raise ModelError("the model's triangles are not consistently wound (some face inward)")
    volume = float(mesh.volume)
    if volume <= 0:
        raise ModelError(f"the model's volume is {volume:.1f} mm³; it must be positive (is it inside out?)")
    return {"watertight": True, "winding_consistent": True, "volume_positive": True}


def check_walls(walls: Walls, nozzle_mm: float) -> dict[str, Any]:
    """The thinnest feature named by the part must be at least the nozzle's width."""
    name, thinnest = min(walls.items(), key=lambda item: item[1])
    if thinnest < nozzle_mm:
        raise DesignError(
            f"the {name} is {thinnest:.2f} mm, thinner than the {nozzle_mm:g} mm nozzle; "
            f"make it at least {nozzle_mm:g} mm"
        )
    return {"thinnest_wall_mm": round(thinnest, 3), "thinnest_feature": name, "wall_check": "parameters"}


def check_fits(size: np.ndarray, limits: BuildLimits, error: type[AgentError] = ModelError) -> None:
    """The size (x, y, z in mm) fits the build volume, or `error` says both sizes."""
    if fits(size, limits):
        return
    x, y, z = (float(v) for v in size)
    raise error(
        f"the mesh is {x:.1f} x {y:.1f} x {z:.1f} mm; the bed is "
        f"{limits.width_mm:g} x {limits.depth_mm:g} x {limits.height_mm:g} mm"
    )


def fits(size: np.ndarray, limits: BuildLimits) -> bool:
    """Whether x, y, z fit width, depth, height (a micron of slack for rounding)."""
    slack = 1e-3
    return bool(
        size[0] <= limits.width_mm + slack
        and size[1] <= limits.depth_mm + slack
        and size[2] <= limits.height_mm + slack
    )

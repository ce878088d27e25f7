"""Cone (pointed, or a frustum when top_diameter > 0) and square pyramid."""

from __future__ import annotations

import manifold3d as m3
import numpy as np
import trimesh

from edge.agents.cad.params import Params
from edge.agents.cad.parts.base import Part, Walls
from edge.agents.cad.solids import segments, to_trimesh


def build_cone(p: Params) -> trimesh.Trimesh:
    """A cone standing on its base; top_diameter 0 makes it pointed."""
    bottom, top = p.length("bottom_diameter") / 2, p.length("top_diameter", allow_zero=True) / 2
    return to_trimesh(m3.Manifold.cylinder(p.length("height"), bottom, top, segments(max(bottom, top))))


def build_pyramid(p: Params) -> trimesh.Trimesh:
    """A pyramid on a square base of edge `base`, apex above the centre."""
    half, height = p.length("base") / 2, p.length("height")
    corners = [(-half, -half, 0.0), (half, -half, 0.0), (half, half, 0.0), (-half, half, 0.0), (0.0, 0.0, height)]
    return to_trimesh(m3.Manifold.hull_points(np.asarray(corners)))


def cone_walls(p: Params) -> Walls:
    """The base diameter and the height (a pointed top is fine: the slicer narrows to it)."""
    return {"cone bottom_diameter": p.length("bottom_diameter"), "cone height": p.length("height")}


def pyramid_walls(p: Params) -> Walls:
    """The base and the height."""
    return {"pyramid base": p.length("base"), "pyramid height": p.length("height")}


CATALOG = (
    Part(name="cone", build=build_cone, walls=cone_walls),
    Part(name="pyramid", build=build_pyramid, walls=pyramid_walls),
)

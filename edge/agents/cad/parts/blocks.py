"""Cube and box: solid rectangular blocks."""

from __future__ import annotations

import trimesh

from edge.agents.cad.params import Params
from edge.agents.cad.parts.base import Part, Walls
from edge.agents.cad.solids import box, to_trimesh


def build_cube(p: Params) -> trimesh.Trimesh:
    """A cube of edge `size`."""
    size = p.length("size")
    return to_trimesh(box(size, size, size))


def build_box(p: Params) -> trimesh.Trimesh:
    """A solid box width x depth x height."""
    return to_trimesh(box(p.length("width"), p.length("depth"), p.length("height")))


def cube_walls(p: Params) -> Walls:
    """A cube's only dimension."""
    return {"cube size": p.length("size")}


def box_walls(p: Params) -> Walls:
    """A box's smallest dimension."""
    return {f"box {name}": p.length(name) for name in ("width", "depth", "height")}


CATALOG = (
    Part(name="cube", build=build_cube, walls=cube_walls),
    Part(name="box", build=build_box, walls=box_walls),
)

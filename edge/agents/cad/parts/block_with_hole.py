"""A block with a round through hole along Z at its centre."""

from __future__ import annotations

import trimesh

from edge.agents.cad.params import Params
from edge.agents.cad.parts.base import Part, Walls
from edge.agents.cad.solids import box, drill, subtract, to_trimesh
from edge.agents.errors import DesignError


def build(p: Params) -> trimesh.Trimesh:
    """The box minus a vertical cylinder through its centre."""
    walls(p)
    width, depth, height = p.length("width"), p.length("depth"), p.length("height")
    return to_trimesh(
        subtract(box(width, depth, height), [drill(p.length("hole_diameter"), height, width / 2, depth / 2)])
    )


def walls(p: Params) -> Walls:
    """The material left beside the hole, and the height."""
    width, depth, hole = p.length("width"), p.length("depth"), p.length("hole_diameter")
    side = (min(width, depth) - hole) / 2
    if side <= 0:
        raise DesignError(f"block_with_hole hole_diameter {hole:g} mm does not fit a {width:g} x {depth:g} mm block")
    return {"block_with_hole wall beside the hole": side, "block_with_hole height": p.length("height")}


CATALOG = (Part(name="block_with_hole", build=build, walls=walls),)

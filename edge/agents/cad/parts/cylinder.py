"""Cylinder, rod and disc: one solid round prism under three names."""

from __future__ import annotations

import trimesh

from edge.agents.cad.params import Params
from edge.agents.cad.parts.base import Part, Walls
from edge.agents.cad.solids import cylinder, to_trimesh


def build(p: Params) -> trimesh.Trimesh:
    """An upright cylinder of `diameter` and `height`."""
    return to_trimesh(cylinder(p.length("diameter"), p.length("height")))


def walls(p: Params) -> Walls:
    """Its diameter and height."""
    return {f"{p.part} diameter": p.length("diameter"), f"{p.part} height": p.length("height")}


CATALOG = tuple(Part(name=name, build=build, walls=walls) for name in ("cylinder", "rod", "disc"))

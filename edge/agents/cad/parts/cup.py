"""A cup: a hollow cylinder with a closed bottom and an open top."""

from __future__ import annotations

import trimesh

from edge.agents.cad.params import Params
from edge.agents.cad.parts.base import Part, Walls
from edge.agents.cad.solids import cylinder, subtract, to_trimesh
from edge.agents.errors import DesignError


def build(p: Params) -> trimesh.Trimesh:
    """The outer cylinder minus the inside, which starts `bottom` above the bed."""
    walls(p)
    diameter, height, wall, bottom = (p.length(n) for n in ("diameter", "height", "wall", "bottom"))
    inside = cylinder(diameter - 2 * wall, height, at=(0.0, 0.0, bottom))
    return to_trimesh(subtract(cylinder(diameter, height), [inside]))


def walls(p: Params) -> Walls:
    """The side wall and the bottom."""
    diameter, height, wall, bottom = (p.length(n) for n in ("diameter", "height", "wall", "bottom"))
    if 2 * wall >= diameter or bottom >= height:
        raise DesignError(
            f"cup of {diameter:g} mm x {height:g} mm has no room inside a wall of {wall:g} mm and a bottom of {bottom:g} mm"
        )
    return {"cup wall": wall, "cup bottom": bottom}


CATALOG = (Part(name="cup", build=build, walls=walls),)

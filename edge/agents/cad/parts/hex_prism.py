"""A hexagonal prism measured across its flats (a nut or a bolt head blank)."""

from __future__ import annotations

import math

import trimesh

from edge.agents.cad.params import Params
from edge.agents.cad.parts.base import Part, Walls
from edge.agents.cad.solids import extrude_polygon, to_trimesh


def build(p: Params) -> trimesh.Trimesh:
    """Six sides, two flats parallel to X, across_flats apart."""
    radius = p.length("across_flats") / math.sqrt(3)
    corners = [(radius * math.cos(math.radians(60 * i)), radius * math.sin(math.radians(60 * i))) for i in range(6)]
    return to_trimesh(extrude_polygon(corners, p.length("height")))


def walls(p: Params) -> Walls:
    """Its width across flats and its height."""
    return {"hex_prism across_flats": p.length("across_flats"), "hex_prism height": p.length("height")}


CATALOG = (Part(name="hex_prism", build=build, walls=walls),)

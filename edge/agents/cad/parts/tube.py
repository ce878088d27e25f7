"""Tube, washer, ring and spacer: a cylinder with a concentric through hole."""

from __future__ import annotations

import trimesh

from edge.agents.cad.params import Params
from edge.agents.cad.parts.base import Part, Walls
from edge.agents.cad.solids import cylinder, drill, subtract, to_trimesh
from edge.agents.errors import DesignError


def _height(p: Params) -> float:
    return p.length("height") if p.has("height") else p.length("thickness")


def build(p: Params) -> trimesh.Trimesh:
    """outer_diameter minus inner_diameter, `height` (tube) or `thickness` (the others) tall."""
    walls(p)
    height = _height(p)
    return to_trimesh(
        subtract(cylinder(p.length("outer_diameter"), height), [drill(p.length("inner_diameter"), height, 0, 0)])
    )


def walls(p: Params) -> Walls:
    """The radial wall, and the height."""
    outer, inner = p.length("outer_diameter"), p.length("inner_diameter")
    if inner >= outer:
        raise DesignError(f"{p.part} inner_diameter {inner:g} mm must be smaller than outer_diameter {outer:g} mm")
    return {f"{p.part} wall": (outer - inner) / 2, f"{p.part} height": _height(p)}


CATALOG = tuple(Part(name=name, build=build, walls=walls) for name in ("tube", "washer", "ring", "spacer"))

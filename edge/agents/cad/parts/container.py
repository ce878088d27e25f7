"""A container: a hollow box with an open top, and optionally a lid that fits it, printed beside it."""

from __future__ import annotations

import trimesh

from edge.agents.cad.params import Params
from edge.agents.cad.parts.base import Part, Walls
from edge.agents.cad.solids import box, subtract, to_trimesh, union
from edge.agents.errors import DesignError
from edge.agents.spec import LID_GAP_MM

CLEARANCE_MM = 0.2  # between the lid's lip and the container's inner wall, each side
LIP_MM = 5.0  # the lip's height, at most; lower for a shallow container


def lip_height(p: Params) -> float:
    """How far the lid's lip reaches into the container."""
    return min(LIP_MM, (p.length("height") - p.length("wall")) / 2)


def build(p: Params) -> trimesh.Trimesh:
    """The open box; with lid, also the lid (top face down, lip up) LID_GAP_MM to its right."""
    walls(p)
    width, depth, height, wall = (p.length(n) for n in ("width", "depth", "height", "wall"))
    cavity = box(width - 2 * wall, depth - 2 * wall, height, at=(wall, wall, wall))
    body = subtract(box(width, depth, height), [cavity])
    if not p.flag("lid"):
        return to_trimesh(body)
    lip_w, lip_d, lip_h = width - 2 * wall - 2 * CLEARANCE_MM, depth - 2 * wall - 2 * CLEARANCE_MM, lip_height(p)
    offset = width + LID_GAP_MM
    lip = box(lip_w, lip_d, lip_h, at=(offset + wall + CLEARANCE_MM, wall + CLEARANCE_MM, wall))
    hollow = box(
        lip_w - 2 * wall,
        lip_d - 2 * wall,
        lip_h + 1,
        at=(offset + 2 * wall + CLEARANCE_MM, 2 * wall + CLEARANCE_MM, wall),
    )
    lid = subtract(union([box(width, depth, wall, at=(offset, 0.0, 0.0)), lip]), [hollow])
    return to_trimesh(body + lid)


def walls(p: Params) -> Walls:
    """The wall and floor; with lid, the lip's wall too (the lip needs room for its own hollow)."""
    width, depth, height, wall = (p.length(n) for n in ("width", "depth", "height", "wall"))
    if height <= wall:
        raise DesignError(f"container height {height:g} mm must be more than its wall {wall:g} mm")
    rooms = min(width, depth) - (4 if p.flag("lid") else 2) * wall - 2 * CLEARANCE_MM * p.flag("lid")
    if rooms <= 0:
        raise DesignError(f"container of {width:g} x {depth:g} mm has no room inside walls of {wall:g} mm")
    return {"container wall": wall}


CATALOG = (Part(name="container", build=build, walls=walls),)

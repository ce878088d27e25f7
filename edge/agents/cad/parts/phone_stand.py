"""A phone stand, printed on its side: a base with a front lip and a backrest leaning at `angle`."""

from __future__ import annotations

import math

import manifold3d as m3
import numpy as np
import trimesh

from edge.agents.cad.params import Params
from edge.agents.cad.parts.base import Part, Walls
from edge.agents.cad.solids import to_trimesh
from edge.agents.errors import DesignError

LIP_MM = 10.0  # how high the front lip holds the phone
SLOT_MM = 12.0  # room for the phone (in a case) between the lip and the backrest


def backrest_length(p: Params) -> float:
    """The backrest's slanted length: `depth`, shortened so its top stays above the base."""
    depth, thickness, angle = p.length("depth"), p.length("thickness"), math.radians(p.angle("angle", 30, 90))
    run = depth - (thickness + SLOT_MM) - thickness / math.sin(angle)
    if run <= 0:
        raise DesignError(
            f"phone_stand depth {depth:g} mm leaves no room for the slot and backrest; use at least 40 mm"
        )
    return depth if math.cos(angle) < 1e-9 else min(depth, run / math.cos(angle))


def profile(p: Params) -> list[np.ndarray]:
    """The side view as three overlapping counter-clockwise outlines: base, lip, backrest (x forward-back, y up)."""
    depth, thickness, angle = p.length("depth"), p.length("thickness"), math.radians(p.angle("angle", 30, 90))
    length = backrest_length(p)
    start, foot = thickness + SLOT_MM, thickness / math.sin(angle)
    dx, dy = length * math.cos(angle), length * math.sin(angle)
    base = [(0, 0), (depth, 0), (depth, thickness), (0, thickness)]
    lip = [(0, 0), (thickness, 0), (thickness, thickness + LIP_MM), (0, thickness + LIP_MM)]
    rest = [(start, 0), (start + foot, 0), (start + foot + dx, thickness + dy), (start + dx, thickness + dy)]
    rest = [(x, max(y, thickness) if i < 2 else y) for i, (x, y) in enumerate(rest)]
    return [np.asarray(outline, dtype=np.float64) for outline in (base, lip, rest)]


def build(p: Params) -> trimesh.Trimesh:
    """The union of the outlines (a 2D boolean) extruded by `width`, flat side on the bed."""
    walls(p)
    side = m3.CrossSection(profile(p), m3.FillRule.Positive)
    return to_trimesh(m3.Manifold.extrude(side, p.length("width")))


def walls(p: Params) -> Walls:
    """The thickness of base, lip and backrest, and the width."""
    backrest_length(p)
    return {"phone_stand thickness": p.length("thickness"), "phone_stand width": p.length("width")}


CATALOG = (Part(name="phone_stand", build=build, walls=walls),)

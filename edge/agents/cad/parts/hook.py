"""A J hook, printed on its side: a back against the wall, an arm out at the bottom, a tip rising at its end."""

from __future__ import annotations

import manifold3d as m3
import numpy as np
import trimesh

from edge.agents.cad.params import Params
from edge.agents.cad.parts.base import Part, Walls
from edge.agents.cad.solids import to_trimesh
from edge.agents.errors import DesignError


def tip_height(p: Params) -> float:
    """How far the tip rises above the arm: a third of the hook's height."""
    return p.length("height") / 3


def profile(p: Params) -> list[np.ndarray]:
    """Back, arm and tip as counter-clockwise outlines (x away from the wall, y up)."""
    height, reach, thickness = p.length("height"), p.length("reach"), p.length("thickness")
    tip = tip_height(p)
    back = [(0, 0), (thickness, 0), (thickness, height), (0, height)]
    arm = [(thickness, 0), (reach, 0), (reach, thickness), (thickness, thickness)]
    rise = [
        (reach - thickness, thickness),
        (reach, thickness),
        (reach, thickness + tip),
        (reach - thickness, thickness + tip),
    ]
    return [np.asarray(outline, dtype=np.float64) for outline in (back, arm, rise)]


def build(p: Params) -> trimesh.Trimesh:
    """The union of the outlines (a 2D boolean) extruded by `width`."""
    walls(p)
    side = m3.CrossSection(profile(p), m3.FillRule.Positive)
    return to_trimesh(m3.Manifold.extrude(side, p.length("width")))


def walls(p: Params) -> Walls:
    """The thickness and width; the opening must be at least as wide as the hook is thick."""
    height, reach, thickness = p.length("height"), p.length("reach"), p.length("thickness")
    if reach < 3 * thickness or height <= thickness + tip_height(p):
        raise DesignError(
            f"hook reach {reach:g} mm and height {height:g} mm are too small for a thickness of {thickness:g} mm"
        )
    return {"hook thickness": thickness, "hook width": p.length("width")}


CATALOG = (Part(name="hook", build=build, walls=walls),)

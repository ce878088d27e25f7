"""An L bracket: leg_a lies on the bed, leg_b stands up at its end; optional holes through each leg."""

from __future__ import annotations

import trimesh

from edge.agents.cad.params import Params
from edge.agents.cad.parts.base import Part, Walls
from edge.agents.cad.solids import box, drill, subtract, to_trimesh, union
from edge.agents.errors import DesignError


def build(p: Params) -> trimesh.Trimesh:
    """Both legs `width` wide and `thickness` thick, joined by a boolean union; one hole in each leg's free part."""
    walls(p)
    width, leg_a, leg_b, thickness = (p.length(n) for n in ("width", "leg_a", "leg_b", "thickness"))
    body = union([box(leg_a, width, thickness), box(thickness, width, leg_b)])
    hole = p.length("hole_diameter", allow_zero=True)
    if hole == 0:
        return to_trimesh(body)
    down = drill(hole, thickness, thickness + (leg_a - thickness) / 2, width / 2)
    # The standing leg's hole runs along X (x from -1 to thickness + 1 after the turn about Y).
    across = drill(hole, thickness, 0.0, 0.0).rotate((0.0, 90.0, 0.0))
    across = across.translate((0.0, width / 2, thickness + (leg_b - thickness) / 2))
    return to_trimesh(subtract(body, [down, across]))


def walls(p: Params) -> Walls:
    """The thickness, and the material beside each hole."""
    width, leg_a, leg_b, thickness = (p.length(n) for n in ("width", "leg_a", "leg_b", "thickness"))
    if min(leg_a, leg_b) <= thickness:
        raise DesignError(
            f"l_bracket legs ({leg_a:g} and {leg_b:g} mm) must be longer than its thickness {thickness:g} mm"
        )
    found = {"l_bracket thickness": thickness}
    hole = p.length("hole_diameter", allow_zero=True)
    if hole > 0:
        side = min(width, leg_a - thickness, leg_b - thickness) / 2 - hole / 2
        if side <= 0:
            raise DesignError(f"l_bracket hole_diameter {hole:g} mm does not fit legs {width:g} mm wide")
        found["l_bracket beside a hole"] = side
    return found


CATALOG = (Part(name="l_bracket", build=build, walls=walls),)

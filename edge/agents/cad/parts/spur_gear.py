"""A spur gear with a true involute tooth profile (20 degree pressure angle) and a round bore."""

from __future__ import annotations

import math

import trimesh

from edge.agents.cad.params import Params
from edge.agents.cad.parts.base import Part, Walls
from edge.agents.cad.solids import drill, extrude_polygon, subtract, to_trimesh
from edge.agents.errors import DesignError

PRESSURE_ANGLE = math.radians(20.0)
FLANK_POINTS = 16  # points along each involute flank


def radii(module: float, teeth: int) -> tuple[float, float, float, float]:
    """Pitch, base, tip and root radius: pitch = m z / 2, addendum m, dedendum 1.25 m."""
    pitch = module * teeth / 2
    return pitch, pitch * math.cos(PRESSURE_ANGLE), pitch + module, pitch - 1.25 * module


def half_tooth_angle(radius: float, module: float, teeth: int) -> float:
    """Half the tooth's angular thickness at a radius on the involute (at the pitch circle: pi / 2z)."""
    pitch, base, _, _ = radii(module, teeth)
    return math.pi / (2 * teeth) + _involute(pitch, base) - _involute(max(radius, base), base)


def profile(module: float, teeth: int) -> list[tuple[float, float]]:
    """The gear's outline, counter-clockwise: per tooth a rising flank, the tip, a falling flank, the root."""
    _, base, tip, root = radii(module, teeth)
    # Evenly spaced in the involute's roll angle, so points crowd near the base circle where the flank curves most.
    first, last = math.sqrt((max(base, root) / base) ** 2 - 1), math.sqrt((tip / base) ** 2 - 1)
    rolls = [first + (last - first) * i / (FLANK_POINTS - 1) for i in range(FLANK_POINTS)]
    flank = [base * math.sqrt(1 + roll * roll) for roll in rolls]
    points: list[tuple[float, float]] = []
    for k in range(teeth):
        centre = 2 * math.pi * k / teeth
        rising = [(r, centre - half_tooth_angle(r, module, teeth)) for r in flank]
        falling = [(r, centre + half_tooth_angle(r, module, teeth)) for r in reversed(flank)]
        outline = rising + falling
        if root < base:  # below the base circle the flank runs radially down to the root
            outline = [(root, rising[0][1]), *outline, (root, falling[-1][1])]
        points += [(r * math.cos(a), r * math.sin(a)) for r, a in outline]
    return points


def build(p: Params) -> trimesh.Trimesh:
    """The involute profile extruded to `thickness`, minus the bore."""
    walls(p)
    module, teeth, thickness = p.length("module"), p.count("teeth", 6, 400), p.length("thickness")
    body = extrude_polygon(profile(module, teeth), thickness)
    bore = p.length("bore", allow_zero=True)
    return to_trimesh(subtract(body, [drill(bore, thickness, 0.0, 0.0)] if bore > 0 else []))


def walls(p: Params) -> Walls:
    """The tooth tip's width, the ring between bore and root circle, and the thickness."""
    module, teeth, bore = p.length("module"), p.count("teeth", 6, 400), p.length("bore", allow_zero=True)
    _, _, tip, root = radii(module, teeth)
    if bore / 2 >= root:
        raise DesignError(f"spur_gear bore {bore:g} mm is wider than its root circle ({2 * root:.2f} mm)")
    return {
        "spur_gear tooth tip": 2 * tip * half_tooth_angle(tip, module, teeth),
        "spur_gear ring between bore and teeth": root - bore / 2,
        "spur_gear thickness": p.length("thickness"),
    }


def _involute(radius: float, base: float) -> float:
    alpha = math.acos(base / radius)
    return math.tan(alpha) - alpha


CATALOG = (Part(name="spur_gear", build=build, walls=walls),)

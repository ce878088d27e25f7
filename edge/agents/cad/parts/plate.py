"""A flat plate, with holes in the corners, in a grid (hole_rows x hole_columns) or at the centre."""

from __future__ import annotations

import itertools

import trimesh

from edge.agents.cad.params import Params
from edge.agents.cad.parts.base import Part, Walls
from edge.agents.cad.solids import box, drill, subtract, to_trimesh
from edge.agents.errors import DesignError
from edge.agents.spec import HOLE_PATTERNS


def hole_centres(p: Params) -> list[tuple[float, float]]:
    """Where the holes go, in plate coordinates (minimum corner at the origin)."""
    pattern = p.choice("hole_pattern", HOLE_PATTERNS)
    diameter = p.length("hole_diameter", allow_zero=True)
    if pattern == "none":
        return []
    if diameter == 0:
        raise DesignError(f"plate hole_pattern is '{pattern}' but hole_diameter is 0 mm; give the holes a diameter")
    width, depth = p.length("width"), p.length("depth")
    if pattern == "center":
        return [(width / 2, depth / 2)]
    margin = p.length("hole_margin")
    rows, columns = (2, 2) if pattern == "corners" else (p.count("hole_rows", 1, 50), p.count("hole_columns", 1, 50))
    return [(x, y) for y in _spread(depth, margin, rows) for x in _spread(width, margin, columns)]


def build(p: Params) -> trimesh.Trimesh:
    """The plate minus its holes."""
    walls(p)
    width, depth, thickness = p.length("width"), p.length("depth"), p.length("thickness")
    diameter = p.length("hole_diameter", allow_zero=True)
    holes = [drill(diameter, thickness, x, y) for x, y in hole_centres(p)]
    return to_trimesh(subtract(box(width, depth, thickness), holes))


def walls(p: Params) -> Walls:
    """The thickness, the material between a hole and the edge, and between neighbouring holes."""
    width, depth = p.length("width"), p.length("depth")
    found = {"plate thickness": p.length("thickness")}
    centres = hole_centres(p)
    if not centres:
        return found
    radius = p.length("hole_diameter") / 2
    edge = min(min(x, width - x, y, depth - y) for x, y in centres) - radius
    found["plate edge beside a hole"] = edge
    xs, ys = sorted({x for x, _ in centres}), sorted({y for _, y in centres})
    gaps = [b - a for axis in (xs, ys) for a, b in itertools.pairwise(axis)]
    if gaps:
        found["plate between holes"] = min(gaps) - 2 * radius
    if edge <= 0 or found.get("plate between holes", 1.0) <= 0:
        raise DesignError(
            f"plate holes of {2 * radius:g} mm do not fit a {width:g} x {depth:g} mm plate with their margin and spacing"
        )
    return found


def _spread(length: float, margin: float, count: int) -> list[float]:
    if count == 1:
        return [length / 2]
    step = (length - 2 * margin) / (count - 1)
    return [margin + i * step for i in range(count)]


CATALOG = (Part(name="plate", build=build, walls=walls),)

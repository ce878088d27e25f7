"""A torus: a circle of minor_diameter swept around a centre circle of major_diameter."""

from __future__ import annotations

import manifold3d as m3
import trimesh

from edge.agents.cad.params import Params
from edge.agents.cad.parts.base import Part, Walls
from edge.agents.cad.solids import segments, to_trimesh
from edge.agents.errors import DesignError


def build(p: Params) -> trimesh.Trimesh:
    """The tube's circle revolved about Z."""
    walls(p)
    major, minor = p.length("major_diameter") / 2, p.length("minor_diameter") / 2
    circle = m3.CrossSection.circle(minor, segments(minor)).translate((major, 0.0))
    return to_trimesh(m3.Manifold.revolve(circle, segments(major + minor)))


def walls(p: Params) -> Walls:
    """The tube's diameter; the hole must stay open."""
    major, minor = p.length("major_diameter"), p.length("minor_diameter")
    if minor >= major:
        raise DesignError(f"torus minor_diameter {minor:g} mm must be smaller than major_diameter {major:g} mm")
    return {"torus tube": minor}


CATALOG = (Part(name="torus", build=build, walls=walls),)

"""Sphere, and dome (a hemisphere, flat face down)."""

from __future__ import annotations

import manifold3d as m3
import trimesh

from edge.agents.cad.params import Params
from edge.agents.cad.parts.base import Part, Walls
from edge.agents.cad.solids import segments, to_trimesh


def _sphere(diameter: float) -> m3.Manifold:
    return m3.Manifold.sphere(diameter / 2, segments(diameter / 2))


def build_sphere(p: Params) -> trimesh.Trimesh:
    """A sphere of `diameter` (it touches the bed at one point: the slicer adds what it needs)."""
    return to_trimesh(_sphere(p.length("diameter")))


def build_dome(p: Params) -> trimesh.Trimesh:
    """The upper half of a sphere: the sphere cut by the plane z = 0."""
    return to_trimesh(_sphere(p.length("diameter")).trim_by_plane((0.0, 0.0, 1.0), 0.0))


def walls(p: Params) -> Walls:
    """Its diameter."""
    return {f"{p.part} diameter": p.length("diameter")}


CATALOG = (
    Part(name="sphere", build=build_sphere, walls=walls),
    Part(name="dome", build=build_dome, walls=walls),
)

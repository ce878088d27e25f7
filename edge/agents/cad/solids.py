"""Manifold solids the parts are made of, and their conversion to trimesh meshes."""

from __future__ import annotations

import math
from collections.abc import Sequence

import manifold3d as m3
import numpy as np
import trimesh

# Chord length of round shapes: small enough that volumes are within ~0.3% of the analytic formula.
CHORD_MM = 0.5
MIN_SEGMENTS = 64
MAX_SEGMENTS = 256


def segments(radius: float) -> int:
    """How many straight segments approximate a circle of this radius (a multiple of 4, so boxes fit flush)."""
    wanted = math.ceil(2 * math.pi * radius / CHORD_MM)
    return int(min(MAX_SEGMENTS, max(MIN_SEGMENTS, wanted + (-wanted) % 4)))


def box(x: float, y: float, z: float, *, at: Sequence[float] = (0.0, 0.0, 0.0)) -> m3.Manifold:
    """A box with its minimum corner at `at`."""
    return m3.Manifold.cube((x, y, z)).translate(tuple(at))


def cylinder(diameter: float, height: float, *, at: Sequence[float] = (0.0, 0.0, 0.0)) -> m3.Manifold:
    """An upright cylinder standing on z = at[2], its axis through (at[0], at[1])."""
    radius = diameter / 2
    return m3.Manifold.cylinder(height, radius, radius, segments(radius)).translate(tuple(at))


def drill(diameter: float, height: float, x: float, y: float) -> m3.Manifold:
    """A cylinder to subtract for a through hole along Z: taller than the part so no skin is left."""
    return cylinder(diameter, height + 2.0, at=(x, y, -1.0))


def subtract(solid: m3.Manifold, tools: Sequence[m3.Manifold]) -> m3.Manifold:
    """The solid minus every tool (one batched boolean)."""
    if not tools:
        return solid
    return m3.Manifold.batch_boolean([solid, *tools], m3.OpType.Subtract)


def union(solids: Sequence[m3.Manifold]) -> m3.Manifold:
    """The boolean union of solids."""
    return m3.Manifold.batch_boolean(list(solids), m3.OpType.Add)


def extrude_polygon(points: Sequence[tuple[float, float]], height: float) -> m3.Manifold:
    """A polygon in XY (counter-clockwise) extruded upward from z = 0."""
    return m3.Manifold.extrude(m3.CrossSection([np.asarray(points, dtype=np.float64)]), height)


def to_trimesh(solid: m3.Manifold) -> trimesh.Trimesh:
    """The manifold as a trimesh mesh (float64 vertices, no reprocessing)."""
    mesh = solid.to_mesh64()
    vertices = np.asarray(mesh.vert_properties, dtype=np.float64)[:, :3]
    faces = np.asarray(mesh.tri_verts, dtype=np.int64)
    return trimesh.Trimesh(vertices=vertices, faces=faces, process=False)


def to_manifold(mesh: trimesh.Trimesh) -> m3.Manifold:
    """A trimesh mesh as a manifold (check .status() for whether it is a valid solid)."""
    data = m3.Mesh64(
        vert_properties=np.ascontiguousarray(mesh.vertices, dtype=np.float64),
        tri_verts=np.ascontiguousarray(mesh.faces, dtype=np.uint64),
    )
    return m3.Manifold(data)

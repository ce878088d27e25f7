"""Models for the slicer tests, generated with trimesh, standing on the bed (z = 0)."""

from __future__ import annotations

from pathlib import Path

import trimesh


def box(path: Path, width: float = 20.0, depth: float = 20.0, height: float = 20.0) -> Path:
    """A box as an STL file."""
    return _save(trimesh.creation.box((width, depth, height)), path)


def cylinder(path: Path, diameter: float = 20.0, height: float = 15.0) -> Path:
    """A cylinder as an STL file."""
    return _save(trimesh.creation.cylinder(radius=diameter / 2, height=height, sections=64), path)


def sphere(path: Path, diameter: float = 60.0, subdivisions: int = 6) -> Path:
    """An icosphere (20 * 4**subdivisions triangles) as an STL file: slow to slice."""
    return _save(trimesh.creation.icosphere(subdivisions=subdivisions, radius=diameter / 2), path)


def _save(mesh: trimesh.Trimesh, path: Path) -> Path:
    mesh.apply_translation((0.0, 0.0, -float(mesh.bounds[0][2])))
    mesh.export(path)
    return path

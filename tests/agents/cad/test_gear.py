"""The spur gear is a real involute gear: its circles, its tooth count and equal tooth and gap at the pitch circle."""

from __future__ import annotations

import math

import numpy as np
import pytest
import trimesh

from edge.agents.cad import build_part
from edge.agents.cad.params import Params
from edge.agents.cad.parts import part
from edge.agents.errors import DesignError
from edge.agents.spec import BuildLimits, DesignSpec, Param

LIMITS = BuildLimits()


def gear(module: float, teeth: int, bore: float = 5.0) -> trimesh.Trimesh:
    """The gear as built, its axis on Z (placed on the bed, an odd tooth count moves the axis off the bed centre)."""
    parameters: dict[str, Param] = {"module": module, "teeth": teeth, "bore": bore, "thickness": 6.0}
    build_part(DesignSpec(part="spur_gear", parameters=parameters), LIMITS)  # passes every check
    return part("spur_gear").build(Params("spur_gear", parameters))


def outline_radii(mesh: trimesh.Trimesh, bore: float) -> np.ndarray:
    radii = np.linalg.norm(mesh.vertices[:, :2], axis=1)
    return radii[radii > bore / 2 + 1e-3]


def pitch_crossings(mesh: trimesh.Trimesh, radius: float) -> np.ndarray:
    """Angles where the mid-height outline crosses the circle of this radius, sorted."""
    lines = trimesh.intersections.mesh_plane(mesh, (0, 0, 1), (0, 0, 3.0))[:, :, :2]
    start, step = lines[:, 0], lines[:, 1] - lines[:, 0]
    a, b, c = (step * step).sum(1), 2 * (start * step).sum(1), (start * start).sum(1) - radius**2
    angles = []
    for sign in (-1, 1):
        with np.errstate(invalid="ignore"):
            t = (-b + sign * np.sqrt(b * b - 4 * a * c)) / (2 * a)
        hit = (t >= 0) & (t <= 1)
        points = start[hit] + t[hit, None] * step[hit]
        angles.extend(np.arctan2(points[:, 1], points[:, 0]))
    return np.unique(np.round(np.mod(angles, 2 * math.pi), 9))


@pytest.mark.parametrize(("module", "teeth"), [(1.0, 20), (2.0, 13), (1.5, 32)])
def test_tip_and_root_diameters_follow_the_module(module: float, teeth: int) -> None:
    radii = outline_radii(gear(module, teeth), 5.0)
    assert 2 * radii.max() == pytest.approx(module * (teeth + 2))
    assert 2 * radii.min() == pytest.approx(module * (teeth - 2.5))
    assert radii.min() < module * teeth / 2 < radii.max()


@pytest.mark.parametrize(("module", "teeth"), [(1.0, 20), (2.0, 13), (1.5, 32)])
def test_the_gear_has_its_number_of_teeth(module: float, teeth: int) -> None:
    mesh = gear(module, teeth)
    tips = mesh.vertices[np.linalg.norm(mesh.vertices[:, :2], axis=1) > module * teeth / 2 + 0.5 * module]
    angles = np.sort(np.arctan2(tips[:, 1], tips[:, 0]))
    gaps = np.diff(np.concatenate([angles, angles[:1] + 2 * math.pi]))
    assert int((gaps > math.pi / teeth).sum()) == teeth


@pytest.mark.parametrize(("module", "teeth"), [(1.0, 20), (2.0, 13)])
def test_tooth_and_gap_are_equal_on_the_pitch_circle(module: float, teeth: int) -> None:
    # The pitch diameter is module x teeth exactly when tooth and gap are both half the circular pitch there.
    crossings = pitch_crossings(gear(module, teeth), module * teeth / 2)
    assert len(crossings) == 2 * teeth
    arcs = np.diff(np.concatenate([crossings, crossings[:1] + 2 * math.pi]))
    assert arcs == pytest.approx(np.full(2 * teeth, math.pi / teeth), rel=0.02)


def test_gear_volume_lies_between_root_and_tip_discs() -> None:
    mesh = gear(1.0, 20, bore=5.0)
    bore = math.pi * 2.5**2 * 6
    assert math.pi * 8.75**2 * 6 - bore < mesh.volume < math.pi * 11**2 * 6 - bore
    assert mesh.volume == pytest.approx(math.pi * 10**2 * 6 - bore, rel=0.03)


def test_teeth_finer_than_the_nozzle_are_refused() -> None:
    with pytest.raises(DesignError, match=r"tooth tip is 0\.35 mm, thinner than the 0\.4 mm nozzle"):
        gear(0.5, 20)


def test_a_bore_wider_than_the_root_circle_is_refused() -> None:
    with pytest.raises(DesignError, match=r"bore 20 mm is wider than its root circle \(17\.50 mm\)"):
        gear(1.0, 20, bore=20.0)

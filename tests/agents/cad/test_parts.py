"""Every catalog part: a closed solid whose volume and size match its formula, lying centred on the bed."""

from __future__ import annotations

import math

import numpy as np
import pytest
import trimesh

from edge.agents.cad import build_part
from edge.agents.cad.parts import registry
from edge.agents.cad.parts.container import CLEARANCE_MM
from edge.agents.spec import LID_GAP_MM as GAP_MM
from edge.agents.spec import PARTS, BuildLimits, DesignSpec, Param

LIMITS = BuildLimits()
PI = math.pi


def made(part: str, **parameters: Param) -> trimesh.Trimesh:
    return build_part(DesignSpec(part=part, parameters=parameters), LIMITS)


def lid_volume(w: float, d: float, t: float, lip: float) -> float:
    outer = (w - 2 * t - 2 * CLEARANCE_MM) * (d - 2 * t - 2 * CLEARANCE_MM)
    inner = (w - 4 * t - 2 * CLEARANCE_MM) * (d - 4 * t - 2 * CLEARANCE_MM)
    return w * d * t + (outer - inner) * lip


# (part, parameters, expected volume in mm³, expected size x, y, z in mm)
CASES: list[tuple[str, dict[str, Param], float, tuple[float, float, float]]] = [
    ("cube", {}, 20**3, (20, 20, 20)),
    ("box", {}, 40 * 30 * 20, (40, 30, 20)),
    ("plate", {}, 80 * 60 * 3, (80, 60, 3)),
    ("plate", {"hole_pattern": "corners", "hole_diameter": 4.0}, 80 * 60 * 3 - 4 * PI * 4 * 3, (80, 60, 3)),
    (
        "plate",
        {"hole_pattern": "grid", "hole_diameter": 3.0, "hole_rows": 3, "hole_columns": 4},
        80 * 60 * 3 - 12 * PI * 2.25 * 3,
        (80, 60, 3),
    ),
    ("plate", {"hole_pattern": "center", "hole_diameter": 10.0}, 80 * 60 * 3 - PI * 25 * 3, (80, 60, 3)),
    ("cylinder", {}, PI * 10**2 * 20, (20, 20, 20)),
    ("rod", {}, PI * 4**2 * 100, (8, 8, 100)),
    ("disc", {}, PI * 20**2 * 3, (40, 40, 3)),
    ("tube", {}, PI * (10**2 - 8**2) * 40, (20, 20, 40)),
    ("washer", {}, PI * (8**2 - 4.2**2) * 1.6, (16, 16, 1.6)),
    ("ring", {}, PI * (11**2 - 9**2) * 3, (22, 22, 3)),
    ("spacer", {}, PI * (5**2 - 2.75**2) * 10, (10, 10, 10)),
    ("sphere", {}, 4 / 3 * PI * 10**3, (20, 20, 20)),
    ("dome", {}, 2 / 3 * PI * 20**3, (40, 40, 20)),
    ("cone", {}, PI / 3 * 15**2 * 30, (30, 30, 30)),
    ("cone", {"top_diameter": 10.0}, PI * 30 / 3 * (15**2 + 15 * 5 + 5**2), (30, 30, 30)),
    ("pyramid", {}, 30**2 * 30 / 3, (30, 30, 30)),
    ("hex_prism", {}, math.sqrt(3) / 2 * 20**2 * 10, (40 / math.sqrt(3), 20, 10)),
    ("torus", {}, 2 * PI**2 * 20 * 4**2, (48, 48, 8)),
    ("container", {}, 60 * 40 * 30 - 56 * 36 * 28, (60, 40, 30)),
    ("container", {"lid": True}, 60 * 40 * 30 - 56 * 36 * 28 + lid_volume(60, 40, 2, 5), (125, 40, 30)),
    ("cup", {}, PI * 35**2 * 90 - PI * 33**2 * 88, (70, 70, 90)),
    ("block_with_hole", {}, 40 * 40 * 20 - PI * 5**2 * 20, (40, 40, 20)),
    ("l_bracket", {}, 20 * 4 * (40 + 40 - 4), (40, 20, 40)),
    ("l_bracket", {"hole_diameter": 5.0}, 20 * 4 * 76 - 2 * PI * 2.5**2 * 4, (40, 20, 40)),
    ("phone_stand", {}, 70 * 4 * (80 + 10 + 80), (80, 4 + 80 * math.sin(math.radians(65)), 70)),
    ("hook", {}, 15 * 5 * (60 + 20 + 20), (25, 60, 15)),
]


def test_the_library_builds_exactly_the_catalog() -> None:
    assert sorted(registry()) == sorted(PARTS)


def test_every_catalog_part_has_a_formula_case() -> None:
    assert {case[0] for case in CASES} | {"spur_gear"} == set(PARTS)


@pytest.mark.parametrize(("part", "parameters", "volume", "size"), CASES, ids=[c[0] for c in CASES])
def test_part_matches_its_formula(
    part: str, parameters: dict[str, Param], volume: float, size: tuple[float, ...]
) -> None:
    mesh = made(part, **parameters)
    assert mesh.is_watertight and mesh.is_winding_consistent
    assert mesh.volume == pytest.approx(volume, rel=0.01)
    assert mesh.extents == pytest.approx(size, rel=0.005)


@pytest.mark.parametrize("part", sorted(PARTS))
def test_part_lies_on_the_bed_centred(part: str) -> None:
    mesh = made(part)
    low, high = mesh.bounds
    assert low[2] == pytest.approx(0.0, abs=1e-9)
    assert (low + high)[:2] / 2 == pytest.approx([LIMITS.width_mm / 2, LIMITS.depth_mm / 2])


def test_dome_lies_flat_face_down() -> None:
    mesh = made("dome")
    bottom = mesh.area_faces[mesh.face_normals[:, 2] < -0.999].sum()
    assert bottom == pytest.approx(PI * 20**2, rel=0.01)


def test_container_lid_sits_beside_it_and_fits_inside() -> None:
    mesh = made("container", lid=True)
    low = mesh.bounds[0]
    xs = mesh.vertices[:, 0] - low[0]
    assert not ((xs > 60 + 1e-6) & (xs < 60 + GAP_MM - 1e-6)).any()  # the gap between them is empty
    lid = mesh.vertices[xs >= 60 + GAP_MM - 1e-6]
    lip = lid[lid[:, 2] > 2 + 1e-6]
    assert np.ptp(lip[:, 0]) == pytest.approx(60 - 2 * 2 - 2 * CLEARANCE_MM)


def test_copies_are_set_out_apart_on_the_bed() -> None:
    mesh = build_part(DesignSpec(part="cube", parameters={}, copies=4), LIMITS)
    assert mesh.volume == pytest.approx(4 * 20**3)
    assert mesh.extents == pytest.approx((45, 45, 20))

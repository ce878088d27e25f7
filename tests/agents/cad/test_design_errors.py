"""Specs that cannot become a printable part are refused, naming the parameter and its value."""

from __future__ import annotations

import pytest

from edge.agents.cad import build_part
from edge.agents.errors import DesignError
from edge.agents.spec import BuildLimits, DesignSpec, Param

LIMITS = BuildLimits()


def refused(part: str, copies: int = 1, **parameters: Param) -> str:
    with pytest.raises(DesignError) as caught:
        build_part(DesignSpec(part=part, parameters=parameters, copies=copies), LIMITS)
    return str(caught.value)


def test_an_unknown_part_names_the_catalog() -> None:
    assert refused("spaceship").startswith("unknown part 'spaceship'; the catalog has: block_with_hole, box")


def test_an_unknown_parameter_names_the_known_ones() -> None:
    assert refused("cube", colour=3) == "cube has no parameter colour; its parameters are: size"


def test_a_negative_length_is_refused() -> None:
    assert refused("box", width=-3.0) == "box width is -3 mm; it must be more than zero"


def test_a_wall_thinner_than_the_nozzle_is_refused() -> None:
    message = refused("cup", wall=0.3)
    assert message == "the cup wall is 0.30 mm, thinner than the 0.4 mm nozzle; make it at least 0.4 mm"


def test_an_inner_diameter_wider_than_the_outer_is_refused() -> None:
    assert refused("tube", inner_diameter=25.0) == "tube inner_diameter 25 mm must be smaller than outer_diameter 20 mm"


def test_holes_that_do_not_fit_the_plate_are_refused() -> None:
    assert "do not fit a 80 x 60 mm plate" in refused("plate", hole_pattern="grid", hole_diameter=30.0, hole_columns=4)


def test_a_hole_pattern_without_a_diameter_is_refused() -> None:
    assert "hole_diameter is 0 mm" in refused("plate", hole_pattern="corners")


def test_too_many_copies_for_the_bed_say_how_many_fit() -> None:
    message = refused("box", copies=30, width=60.0, depth=40.0)
    assert message == "30 copies of a 60.0 x 40.0 mm part do not fit the 250 x 210 mm bed 5 mm apart; at most 15 fit"


def test_a_part_too_tall_for_the_printer_is_refused() -> None:
    assert refused("rod", height=250.0) == "the mesh is 8.0 x 8.0 x 250.0 mm; the bed is 250 x 210 x 210 mm"


def test_a_fractional_tooth_count_is_refused() -> None:
    assert refused("spur_gear", teeth=20.5) == "spur_gear teeth is 20.5; it must be a whole number from 6 to 400"


def test_copies_are_turned_when_only_that_fits_them() -> None:
    mesh = build_part(DesignSpec(part="box", parameters={"width": 60.0, "depth": 40.0}, copies=15), LIMITS)
    assert mesh.volume == pytest.approx(15 * 60 * 40 * 20)
    assert mesh.extents[0] <= LIMITS.width_mm and mesh.extents[1] <= LIMITS.depth_mm

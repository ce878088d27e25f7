"""Research: impossible or meaningless requests are refused with a message naming the problem and the value."""

from __future__ import annotations

import pytest

from edge.agents.errors import DesignError
from edge.agents.research import research
from edge.agents.spec import BuildLimits


def _refusal(text: str, limits: BuildLimits | None = None) -> str:
    with pytest.raises(DesignError) as caught:
        research(text, limits)
    return caught.value.message


def test_a_cube_larger_than_the_build_volume_is_refused() -> None:
    message = _refusal("a cube of 300 mm")
    assert "cube of 300 mm does not fit the build volume 250 x 210 x 210 mm" in message


def test_a_box_too_tall_for_the_printer_is_refused_with_its_size() -> None:
    assert "100 x 100 x 220 mm" in _refusal("a box 100 x 100 x 220 mm")


def test_the_build_volume_comes_from_the_limits() -> None:
    small = BuildLimits(width_mm=120, depth_mm=120, height_mm=120)
    assert "150 mm" in _refusal("a 15 cm cube", small)
    assert research("a 15 cm cube").parameters["size"] == 150


def test_a_part_turned_on_the_bed_still_fits() -> None:
    assert research("a plate 200 x 240 x 3 mm").parameters["depth"] == 240


def test_a_gear_is_measured_by_its_outside_diameter() -> None:
    assert "does not fit" in _refusal("a gear with 200 teeth module 2")


def test_a_zero_size_is_refused() -> None:
    assert "size 0 mm must be greater than zero" in _refusal("a 0 mm cube")


def test_a_negative_size_is_refused() -> None:
    assert "-5 mm must be greater than zero" in _refusal("a cube of -5 mm")


def test_a_negative_height_is_refused() -> None:
    assert "height -30 mm" in _refusal("a cylinder 20 mm diameter, height -30 mm")


def test_a_plate_thinner_than_the_nozzle_is_refused() -> None:
    message = _refusal("a plate 80 x 60 x 0.2 mm")
    assert "thickness 0.2 mm is thinner than the nozzle 0.4 mm" in message


def test_a_container_wall_thinner_than_the_nozzle_is_refused() -> None:
    assert "wall 0.3 mm is thinner than the nozzle 0.4 mm" in _refusal("a container 60 x 40 x 30 mm with 0.3 mm walls")


def test_a_tube_wall_thinner_than_a_larger_nozzle_is_refused() -> None:
    message = _refusal("a tube 20 mm outer 19 mm inner diameter", BuildLimits(nozzle_mm=0.6))
    assert "wall 0.5 mm is thinner than the nozzle 0.6 mm" in message


def test_an_inner_diameter_as_large_as_the_outer_is_refused() -> None:
    message = _refusal("a tube 20 mm outer diameter 20 mm inner diameter")
    assert "inner diameter 20 mm must be smaller than the outer diameter 20 mm" in message


def test_an_inner_diameter_larger_than_the_outer_is_refused_in_german() -> None:
    message = _refusal("Ring Außendurchmesser 16 mm Innendurchmesser 18 mm")
    assert "inner diameter 18 mm" in message and "outer diameter 16 mm" in message


def test_a_washer_for_a_screw_wider_than_its_outside_is_refused() -> None:
    assert "inner diameter 13.5 mm" in _refusal("a washer for M12 with a 12 mm outer diameter")


def test_a_hole_wider_than_the_block_is_refused() -> None:
    assert "hole diameter 50 mm" in _refusal("a 40 mm cube with a 50 mm hole")


def test_a_gear_with_too_few_teeth_is_refused() -> None:
    assert "got 4" in _refusal("a gear with 4 teeth")


def test_an_unknown_screw_size_is_refused() -> None:
    assert "M7" in _refusal("a washer for M7")


def test_zero_copies_are_refused() -> None:
    assert "copies 0" in _refusal("a 20 mm cube, 0 copies")


def test_text_naming_no_part_is_refused_with_the_text() -> None:
    assert "'make me something nice'" in _refusal("make me something nice")


def test_gibberish_is_refused_with_the_text() -> None:
    assert "'asdf qwer 42'" in _refusal("asdf qwer 42")


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text_is_refused(text: str) -> None:
    assert "empty" in _refusal(text)

"""Research: lengths as people write them, in millimetres."""

from __future__ import annotations

import pytest

from edge.agents.research import parse_length, research


@pytest.mark.parametrize(
    ("text", "mm"),
    [
        ("20", 20.0),
        ("20mm", 20.0),
        ("20 millimeters", 20.0),
        ("2.5 cm", 25.0),
        ("2,5 cm", 25.0),
        ("2,5 Zentimeter", 25.0),
        ("0.3 m", 300.0),
        ("1 meter", 1000.0),
        ("1 in", 25.4),
        ("2 inches", 50.8),
        ('2"', 50.8),
        ("2″", 50.8),
        ("3 Zoll", 76.2),
        ("3/4 inch", 19.05),
        ("3/4 in", 19.05),
        ('1 1/2"', 38.1),
        ("1-1/2 in", 38.1),
        ("1 ½ inch", 38.1),
        (".5 in", 12.7),
        ("-5 mm", -5.0),
    ],
)
def test_a_length_is_read_in_millimetres(text: str, mm: float) -> None:
    assert parse_length(text) == pytest.approx(mm)


def test_a_length_without_unit_is_millimetres_and_said_so() -> None:
    spec = research("a cube 20")
    assert spec.parameters["size"] == 20
    assert any("no unit given for 20" in a and "mm" in a for a in spec.assumptions)


def test_a_unit_written_once_holds_for_the_other_numbers() -> None:
    spec = research("a cylinder diameter 2, height 3 cm")
    assert (spec.parameters["diameter"], spec.parameters["height"]) == (20, 30)
    assert any("read as cm" in a for a in spec.assumptions)


def test_mixed_units_in_one_request() -> None:
    spec = research('a box 2 cm x 30 mm x 1"')
    assert (spec.parameters["width"], spec.parameters["depth"], spec.parameters["height"]) == (20, 30, 25.4)


def test_the_unit_at_the_end_of_a_group_holds_for_the_group() -> None:
    spec = research("a box 2 x 3 x 4 cm")
    assert (spec.parameters["width"], spec.parameters["depth"], spec.parameters["height"]) == (20, 30, 40)


def test_in_before_a_material_is_not_an_inch() -> None:
    spec = research("a cube 20 in PETG")
    assert spec.parameters["size"] == 20
    assert spec.material == "PETG"


def test_a_mixed_fraction_in_inches_with_the_inch_sign() -> None:
    assert research('a sphere 1 1/2" in diameter').parameters["diameter"] == pytest.approx(38.1)


def test_a_german_decimal_comma_in_a_diameter() -> None:
    assert research("Kugel mit 2,5 cm Durchmesser").parameters["diameter"] == 25

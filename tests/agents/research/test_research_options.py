"""Research: material, quality, copies, language, defaults and confidence."""

from __future__ import annotations

import pytest

from edge.agents.research import research


@pytest.mark.parametrize(
    ("text", "material"),
    [
        ("a 20 mm cube in pla", "PLA"),
        ("a 20 mm cube in PETG", "PETG"),
        ("Würfel 2 cm aus abs", "ABS"),
        ("a TPU washer for M3", "TPU"),
    ],
)
def test_the_material_is_read_in_any_case(text: str, material: str) -> None:
    assert research(text).material == material


@pytest.mark.parametrize(
    ("text", "quality"),
    [
        ("a 20 mm cube, draft", "draft"),
        ("a 20 mm cube in fine quality", "fine"),
        ("a 20 mm cube, high quality", "fine"),
        ("a 20 mm cube, ultra", "ultra"),
        ("a 20 mm cube, standard quality", "standard"),
        ("Würfel 2 cm, Entwurf", "draft"),
        ("Würfel 2 cm, feine Qualität", "fine"),
        ("Würfel 2 cm in hoher Qualität", "fine"),
        ("Würfel 2 cm ultra", "ultra"),
    ],
)
def test_the_quality_is_read_in_both_languages(text: str, quality: str) -> None:
    assert research(text).quality == quality


@pytest.mark.parametrize(
    ("text", "copies"),
    [
        ("a 20 mm cube, 3 copies", 3),
        ("a 20 mm cube x3", 3),
        ("3x a 20 mm cube", 3),
        ("three 20 mm cubes", 3),
        ("4 washers for M5", 4),
        ("Würfel 2 cm, drei Stück", 3),
        ("3 Stück Würfel 2 cm", 3),
        ("zwei Unterlegscheiben für M6", 2),
        ("a 20 mm cube", 1),
    ],
)
def test_copies_are_counted(text: str, copies: int) -> None:
    assert research(text).copies == copies


def test_a_size_group_is_not_taken_for_copies() -> None:
    spec = research("a box 20 x 3 x 4 cm")
    assert spec.copies == 1
    assert spec.parameters["depth"] == 30


@pytest.mark.parametrize(
    ("text", "language"), [("a 20 mm cube", "en"), ("ein Würfel 2 cm", "de"), ("Torus 60 mm Durchmesser", "de")]
)
def test_the_language_is_recognised(text: str, language: str) -> None:
    assert research(text).language == language


def test_a_vague_request_gets_defaults_each_one_an_assumption() -> None:
    spec = research("a box")
    assert spec.parameters == {"width": 40.0, "depth": 30.0, "height": 20.0}
    for name in ("width", "depth", "height"):
        assert any(a.startswith(f"{name} not given") for a in spec.assumptions)


def test_a_small_box_is_smaller_than_the_default() -> None:
    small = research("a small box").parameters
    assert float(small["width"]) < 40 and float(small["height"]) < 20


def test_a_small_box_in_german_is_a_container_with_defaults() -> None:
    spec = research("eine kleine Schachtel")
    assert spec.part == "container"
    assert spec.language == "de"
    assert spec.parameters["lid"] is False


def test_confidence_is_lower_when_much_was_assumed() -> None:
    vague = research("a box").confidence
    partial = research("a box 40 mm wide").confidence
    full = research("a box 40 x 30 x 20 mm").confidence
    assert 0 <= vague < partial < full <= 1


def test_the_spec_keeps_the_text() -> None:
    assert research("a 20 mm cube").text == "a 20 mm cube"


def test_a_spec_goes_to_json_and_back() -> None:
    from edge.agents.spec import DesignSpec

    spec = research("Zahnrad mit 20 Zähnen Modul 1, 3 Stück in PETG")
    assert DesignSpec.from_dict(spec.to_dict()) == spec

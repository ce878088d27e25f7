"""Research: a table of requests in English and German and the part, sizes (mm) and material each must give."""

from __future__ import annotations

import pytest

from edge.agents.research import research
from edge.agents.spec import PARTS, Param

Case = tuple[str, str, dict[str, Param], str]

CASES: list[Case] = [
    # cube: units, fractions, decimal comma, inches
    ("a 20 mm cube", "cube", {"size": 20}, "PLA"),
    ("cube 20", "cube", {"size": 20}, "PLA"),
    ("a 2,5 cm cube", "cube", {"size": 25}, "PLA"),
    ('a 1 1/2" cube', "cube", {"size": 38.1}, "PLA"),
    ("a 3/4 inch cube in TPU", "cube", {"size": 19.05}, "TPU"),
    ("cube 1.5in", "cube", {"size": 38.1}, "PLA"),
    ("cube 0.05 m", "cube", {"size": 50}, "PLA"),
    ("a cube of 2 inches", "cube", {"size": 50.8}, "PLA"),
    ("a 20mm cube in petg", "cube", {"size": 20}, "PETG"),
    ("a 20 x 20 x 20 mm cube in abs", "cube", {"size": 20}, "ABS"),
    ("cube 1-1/4 in", "cube", {"size": 31.75}, "PLA"),
    ("a cube 25,4 mm", "cube", {"size": 25.4}, "PLA"),
    ("ein Würfel 2 cm", "cube", {"size": 20}, "PLA"),
    ("ein Würfel mit 3 cm Kantenlänge", "cube", {"size": 30}, "PLA"),
    ("Würfel 2,5 cm aus PETG", "cube", {"size": 25}, "PETG"),
    ("Würfel 15 Millimeter", "cube", {"size": 15}, "PLA"),
    # box
    ("a 20x30x40 mm box", "box", {"width": 20, "depth": 30, "height": 40}, "PLA"),
    ("a box 6 cm long, 4 cm wide and 3 cm tall", "box", {"width": 60, "depth": 40, "height": 30}, "PLA"),
    ("a box 40 \u00d7 30 \u00d7 20 mm", "box", {"width": 40, "depth": 30, "height": 20}, "PLA"),
    ("a block 2 by 3 by 1 inches", "box", {"width": 50.8, "depth": 76.2, "height": 25.4}, "PLA"),
    ("a cuboid 50 mm wide 20 mm deep 10 mm high", "box", {"width": 50, "depth": 20, "height": 10}, "PLA"),
    ("a cube 20 x 30 x 40 mm", "box", {"width": 20, "depth": 30, "height": 40}, "PLA"),
    ("Quader 40 x 30 x 20 mm in ABS", "box", {"width": 40, "depth": 30, "height": 20}, "ABS"),
    ("ein Quader 4 mal 3 mal 2 cm", "box", {"width": 40, "depth": 30, "height": 20}, "PLA"),
    # plate and its holes
    ("a plate 80 by 60 by 3 mm", "plate", {"width": 80, "depth": 60, "thickness": 3, "hole_pattern": "none"}, "PLA"),
    (
        "a plate 100 x 60 x 3 mm with 4 M3 holes in the corners in PETG",
        "plate",
        {"width": 100, "depth": 60, "thickness": 3, "hole_diameter": 3.4, "hole_pattern": "corners"},
        "PETG",
    ),
    (
        "a plate 120 x 80 x 5 mm with holes in a 3 by 2 grid",
        "plate",
        {"hole_pattern": "grid", "hole_columns": 3, "hole_rows": 2, "hole_diameter": 3.4},
        "PLA",
    ),
    (
        "a plate 100 x 100 x 3 with a hole in the centre",
        "plate",
        {"width": 100, "hole_pattern": "center", "hole_diameter": 3.4},
        "PLA",
    ),
    ("a 150 x 100 mm plate 4 mm thick with 5 mm holes", "plate", {"thickness": 4, "hole_diameter": 5}, "PLA"),
    ("a mounting plate 80x40x3mm with 6 M4 holes", "plate", {"hole_pattern": "grid", "hole_diameter": 4.5}, "PLA"),
    (
        "Platte 100 x 50 x 4 mm mit einem Loch in der Mitte",
        "plate",
        {"width": 100, "depth": 50, "thickness": 4, "hole_pattern": "center"},
        "PLA",
    ),
    (
        "Montageplatte 90 x 60 x 3 mm mit 4 Löchern M5 in den Ecken",
        "plate",
        {"hole_pattern": "corners", "hole_diameter": 5.5},
        "PLA",
    ),
    # cylinder and rod
    ("a cylinder 20 mm diameter 30 mm high", "cylinder", {"diameter": 20, "height": 30}, "PLA"),
    ("a cylinder with a radius of 1 cm and a height of 5 cm", "cylinder", {"diameter": 20, "height": 50}, "PLA"),
    ("a cylinder diameter 2, height 3 cm", "cylinder", {"diameter": 20, "height": 30}, "PLA"),
    ('a 1" tall cylinder 1/2" diameter', "cylinder", {"diameter": 12.7, "height": 25.4}, "PLA"),
    ("Zylinder Durchmesser 3 cm Höhe 5 cm", "cylinder", {"diameter": 30, "height": 50}, "PLA"),
    ("Säule Ø 25 mm, 100 mm hoch", "cylinder", {"diameter": 25, "height": 100}, "PLA"),
    ("an 8 mm rod 150 mm long", "rod", {"diameter": 8, "height": 150}, "PLA"),
    ("a 3/8 inch dowel 6 inches long", "rod", {"diameter": 9.525, "height": 152.4}, "PLA"),
    ("Stab 10 mm Durchmesser, 120 mm lang", "rod", {"diameter": 10, "height": 120}, "PLA"),
    # disc
    ("a disc 50 mm diameter 2 mm thick", "disc", {"diameter": 50, "height": 2}, "PLA"),
    ("a coin 25 mm across, 2 mm thick", "disc", {"diameter": 25, "height": 2}, "PLA"),
    ("Scheibe mit 40 mm Durchmesser und 3 mm Dicke", "disc", {"diameter": 40, "height": 3}, "PLA"),
    # tube
    (
        'a pipe 1" outer diameter, 3/4" inner diameter, 4" long',
        "tube",
        {"outer_diameter": 25.4, "inner_diameter": 19.05, "height": 101.6},
        "PLA",
    ),
    (
        "a tube with 2 mm wall 30 mm outer diameter 50 mm long",
        "tube",
        {"outer_diameter": 30, "inner_diameter": 26, "height": 50},
        "PLA",
    ),
    ("a tube 20 mm OD 16 mm ID 40 mm long", "tube", {"outer_diameter": 20, "inner_diameter": 16, "height": 40}, "PLA"),
    (
        "a cylinder 20 mm diameter with a 6 mm hole 30 mm long",
        "tube",
        {"outer_diameter": 20, "inner_diameter": 6, "height": 30},
        "PLA",
    ),
    ("a tube with an inner diameter of 30 mm", "tube", {"outer_diameter": 34, "inner_diameter": 30}, "PLA"),
    ("Rohr Außendurchmesser 20 mm Innendurchmesser 16 mm", "tube", {"outer_diameter": 20, "inner_diameter": 16}, "PLA"),
    (
        "ein Rohr 25 mm außen, 21 mm innen, 8 cm lang",
        "tube",
        {"outer_diameter": 25, "inner_diameter": 21, "height": 80},
        "PLA",
    ),
    # washer, ring, spacer
    ("a washer for M5", "washer", {"outer_diameter": 10, "inner_diameter": 5.5, "thickness": 1}, "PLA"),
    (
        "a washer 20 mm OD 10 mm ID 2 mm thick",
        "washer",
        {"outer_diameter": 20, "inner_diameter": 10, "thickness": 2},
        "PLA",
    ),
    ("Unterlegscheibe für M8", "washer", {"outer_diameter": 16, "inner_diameter": 9.0, "thickness": 1.6}, "PLA"),
    ("Unterlegscheibe M12 aus PETG", "washer", {"inner_diameter": 13.5, "outer_diameter": 24}, "PETG"),
    (
        "a ring 25 mm outer diameter 21 mm inner diameter 4 mm wide",
        "ring",
        {"outer_diameter": 25, "inner_diameter": 21, "thickness": 4},
        "PLA",
    ),
    (
        "a ring with an outer radius of 15 mm and an inner radius of 12 mm",
        "ring",
        {"outer_diameter": 30, "inner_diameter": 24},
        "PLA",
    ),
    ("Ring Außendurchmesser 30 mm Innendurchmesser 26 mm", "ring", {"outer_diameter": 30, "inner_diameter": 26}, "PLA"),
    ("a 15 mm spacer for M3", "spacer", {"thickness": 15, "inner_diameter": 3.4}, "PLA"),
    (
        "a standoff 12 mm long, 8 mm outer diameter, for M4",
        "spacer",
        {"thickness": 12, "outer_diameter": 8, "inner_diameter": 4.5},
        "PLA",
    ),
    ("Abstandshalter 20 mm lang für M4", "spacer", {"thickness": 20, "inner_diameter": 4.5}, "PLA"),
    ("Distanzhülse für M10, 30 mm lang", "spacer", {"thickness": 30, "inner_diameter": 11.0}, "PLA"),
    # sphere and dome
    ("a sphere with a radius of 15 mm", "sphere", {"diameter": 30}, "PLA"),
    ("a ball 1.5 inches in diameter", "sphere", {"diameter": 38.1}, "PLA"),
    ("Kugel Durchmesser 4 cm", "sphere", {"diameter": 40}, "PLA"),
    ("a dome 60 mm diameter", "dome", {"diameter": 60}, "PLA"),
    ("a hemisphere 5 cm across", "dome", {"diameter": 50}, "PLA"),
    ("Halbkugel mit Radius 25 mm", "dome", {"diameter": 50}, "PLA"),
    ("Kuppel 8 cm Durchmesser", "dome", {"diameter": 80}, "PLA"),
    # cone and pyramid
    ("a cone 40 mm base diameter 50 mm tall", "cone", {"bottom_diameter": 40, "top_diameter": 0, "height": 50}, "PLA"),
    (
        "a truncated cone 40 mm bottom 20 mm top diameter 30 mm high",
        "cone",
        {"bottom_diameter": 40, "top_diameter": 20, "height": 30},
        "PLA",
    ),
    ("Kegel Durchmesser 30 mm Höhe 40 mm", "cone", {"bottom_diameter": 30, "height": 40}, "PLA"),
    ("a pyramid with a 50 mm base 40 mm high", "pyramid", {"base": 50, "height": 40}, "PLA"),
    ("Pyramide Grundseite 6 cm Höhe 4 cm", "pyramid", {"base": 60, "height": 40}, "PLA"),
    # hexagonal prism
    ("a hexagonal prism 19 mm across flats 10 mm tall", "hex_prism", {"across_flats": 19, "height": 10}, "PLA"),
    ("a 5 cm tall hex prism 2 cm across flats", "hex_prism", {"across_flats": 20, "height": 50}, "PLA"),
    ("Sechskant Schlüsselweite 13 mm Höhe 8 mm", "hex_prism", {"across_flats": 13, "height": 8}, "PLA"),
    # torus
    ("a donut 50 mm diameter 10 mm thick", "torus", {"major_diameter": 50, "minor_diameter": 10}, "PLA"),
    (
        "a torus 60 mm outer diameter, 40 mm inner diameter",
        "torus",
        {"major_diameter": 50, "minor_diameter": 10},
        "PLA",
    ),
    ("Torus 60 mm Durchmesser", "torus", {"major_diameter": 60}, "PLA"),
    # container
    ("a container 80 x 60 x 40 mm with lid", "container", {"width": 80, "depth": 60, "height": 40, "lid": True}, "PLA"),
    (
        "a hollow box 100 x 80 x 50 mm with 1.5 mm walls",
        "container",
        {"width": 100, "depth": 80, "height": 50, "wall": 1.5, "lid": False},
        "PLA",
    ),
    (
        "an open top storage box 12 x 8 x 5 cm",
        "container",
        {"width": 120, "depth": 80, "height": 50, "lid": False},
        "PLA",
    ),
    ("Dose 60 x 60 x 40 mm mit Deckel in PETG", "container", {"width": 60, "height": 40, "lid": True}, "PETG"),
    (
        "Behälter Innenmaße 50 x 30 x 20 mm Wandstärke 2 mm",
        "container",
        {"width": 54, "depth": 34, "height": 22, "wall": 2},
        "PLA",
    ),
    # cup
    ("a mug 80 mm diameter 100 mm tall", "cup", {"diameter": 80, "height": 100}, "PLA"),
    ("a cup with an inner diameter of 60 mm and 2 mm walls", "cup", {"diameter": 64, "wall": 2}, "PLA"),
    ("Becher 7 cm Durchmesser 9 cm hoch", "cup", {"diameter": 70, "height": 90}, "PLA"),
    ("Tasse mit 3 mm Wand in PETG", "cup", {"wall": 3}, "PETG"),
    # block with a hole
    (
        "a 40 mm cube with a 10 mm hole",
        "block_with_hole",
        {"width": 40, "depth": 40, "height": 40, "hole_diameter": 10},
        "PLA",
    ),
    (
        "a block with a hole 40x40x20 mm hole 8 mm",
        "block_with_hole",
        {"width": 40, "height": 20, "hole_diameter": 8},
        "PLA",
    ),
    ("a 40 mm cube with an M5 hole", "block_with_hole", {"width": 40, "hole_diameter": 5.5}, "PLA"),
    ("Block mit Loch für M6", "block_with_hole", {"hole_diameter": 6.6}, "PLA"),
    (
        "Würfel 30 mm mit 10 mm Bohrung",
        "block_with_hole",
        {"width": 30, "depth": 30, "height": 30, "hole_diameter": 10},
        "PLA",
    ),
    # gear
    (
        "a spur gear with 30 teeth module 1.5, 8 mm thick, 5 mm bore",
        "spur_gear",
        {"teeth": 30, "module": 1.5, "thickness": 8, "bore": 5},
        "PLA",
    ),
    ("a gear 44 mm diameter with 20 teeth", "spur_gear", {"teeth": 20, "module": 2}, "PLA"),
    ("a cog with 24 teeth, module 1, for an M3 screw", "spur_gear", {"teeth": 24, "bore": 3.4}, "PLA"),
    ("Zahnrad mit 20 Zähnen Modul 1", "spur_gear", {"teeth": 20, "module": 1}, "PLA"),
    ("Zahnrad Modul 2, 15 Zähne, Bohrung 8 mm", "spur_gear", {"teeth": 15, "module": 2, "bore": 8}, "PLA"),
    # L-bracket
    (
        "an L-bracket 50 mm legs, 20 mm wide, 5 mm thick with M4 holes",
        "l_bracket",
        {"leg_a": 50, "leg_b": 50, "width": 20, "thickness": 5, "hole_diameter": 4.5},
        "PLA",
    ),
    ("an angle bracket with holes", "l_bracket", {"hole_diameter": 4.5}, "PLA"),
    ("an angle bracket 60 x 40 mm", "l_bracket", {"leg_a": 60, "leg_b": 40, "hole_diameter": 0}, "PLA"),
    ("Winkel 40 x 40 mm, 3 mm dick", "l_bracket", {"leg_a": 40, "leg_b": 40, "thickness": 3}, "PLA"),
    # phone stand and hook
    ("a phone stand at 60 degrees", "phone_stand", {"angle": 60}, "PLA"),
    ("a phone holder 75 mm wide in TPU", "phone_stand", {"width": 75}, "TPU"),
    ("Handyhalter 80 mm breit, Winkel 70 Grad", "phone_stand", {"width": 80, "angle": 70}, "PLA"),
    ("a hook 80 mm tall 30 mm reach", "hook", {"height": 80, "reach": 30}, "PLA"),
    ("Haken 5 cm hoch", "hook", {"height": 50}, "PLA"),
    ("Wandhaken 6 cm hoch, 2 cm breit, aus PETG", "hook", {"height": 60, "width": 20}, "PETG"),
]


def _ids(case: Case) -> str:
    return case[0]


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_request_gives_the_part_sizes_and_material(case: Case) -> None:
    prompt, part, expected, material = case
    spec = research(prompt)
    assert spec.part == part
    assert spec.material == material
    for name, value in expected.items():
        if isinstance(value, str | bool):
            assert spec.parameters[name] == value, name
        else:
            assert spec.parameters[name] == pytest.approx(value, abs=0.01), name


def test_the_table_covers_every_part() -> None:
    assert {case[1] for case in CASES} == set(PARTS)


def test_the_table_has_enough_german() -> None:
    german = [c for c in CASES if research(c[0]).language == "de"]
    assert len(german) >= 25
    assert len(CASES) >= 80

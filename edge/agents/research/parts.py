"""Which catalog part a request names, and how each part reads its sizes."""

from __future__ import annotations

from dataclasses import dataclass, field

from edge.agents.research import lexicon


@dataclass(frozen=True)
class PartRule:
    """How one part takes sizes: numbers in order fill `positional`; a size word fills `roles[word]`."""

    positional: tuple[str, ...]
    roles: dict[str, tuple[str, ...]]
    # Roles the part's own derivation reads (an outer diameter of a cup, a wall of a tube).
    derived: frozenset[str] = field(default_factory=frozenset)
    # Parameters a vague "small" or "large" scales.
    main: tuple[str, ...] = ()

    @property
    def scaled(self) -> tuple[str, ...]:
        """The parameters a size word scales: `main`, or the positional ones."""
        return self.main or self.positional


_ROUND = {"diameter": ("diameter",), "outer_diameter": ("diameter",), "width": ("diameter",)}
_TALL = {"height": ("height",), "length": ("height",), "thickness": ("height",)}
_HOLLOW_ROLES = {
    "diameter": ("outer_diameter",),
    "outer_diameter": ("outer_diameter",),
    "inner_diameter": ("inner_diameter",),
    "hole": ("inner_diameter",),
    "bore": ("inner_diameter",),
}
_BOXY = {
    "width": ("width",),
    "depth": ("depth",),
    "height": ("height",),
    "size": ("width", "depth", "height"),
}

RULES: dict[str, PartRule] = {
    "cube": PartRule(
        ("size",),
        {r: ("size",) for r in ("size", "width", "height", "depth", "length")},
    ),
    "box": PartRule(("width", "depth", "height"), {**_BOXY, "thickness": ("height",)}),
    "plate": PartRule(
        ("width", "depth", "thickness"),
        {
            "width": ("width",),
            "depth": ("depth",),
            "thickness": ("thickness",),
            "height": ("thickness",),
            "size": ("width", "depth"),
            "hole": ("hole_diameter",),
            "margin": ("hole_margin",),
        },
        main=("width", "depth"),
    ),
    "cylinder": PartRule(("diameter", "height"), {**_ROUND, **_TALL}),
    "rod": PartRule(("diameter", "height"), {**_ROUND, **_TALL}),
    "disc": PartRule(("diameter", "height"), {**_ROUND, **_TALL}, main=("diameter",)),
    "tube": PartRule(
        ("outer_diameter", "inner_diameter", "height"),
        {**_HOLLOW_ROLES, "height": ("height",), "length": ("height",)},
        derived=frozenset({"wall", "thickness"}),
        main=("outer_diameter", "inner_diameter", "height"),
    ),
    "washer": PartRule(
        ("outer_diameter", "inner_diameter", "thickness"),
        {**_HOLLOW_ROLES, "thickness": ("thickness",), "height": ("thickness",)},
        derived=frozenset({"wall"}),
        main=("outer_diameter", "inner_diameter"),
    ),
    "ring": PartRule(
        ("outer_diameter", "inner_diameter", "thickness"),
        {**_HOLLOW_ROLES, "thickness": ("thickness",), "height": ("thickness",), "width": ("thickness",)},
        derived=frozenset({"wall"}),
        main=("outer_diameter", "inner_diameter"),
    ),
    "spacer": PartRule(
        ("thickness", "outer_diameter", "inner_diameter"),
        {**_HOLLOW_ROLES, **{r: ("thickness",) for r in ("thickness", "height", "length")}},
        derived=frozenset({"wall"}),
        main=("thickness", "outer_diameter", "inner_diameter"),
    ),
    "sphere": PartRule(("diameter",), {**_ROUND, "size": ("diameter",)}),
    "dome": PartRule(("diameter",), {**_ROUND, "size": ("diameter",), "bottom_diameter": ("diameter",)}),
    "cone": PartRule(
        ("bottom_diameter", "height"),
        {
            "diameter": ("bottom_diameter",),
            "outer_diameter": ("bottom_diameter",),
            "bottom_diameter": ("bottom_diameter",),
            "bottom": ("bottom_diameter",),
            "top_diameter": ("top_diameter",),
            "height": ("height",),
            "length": ("height",),
        },
    ),
    "pyramid": PartRule(
        ("base", "height"),
        {**{r: ("base",) for r in ("base", "width", "size", "depth", "length")}, "height": ("height",)},
    ),
    "hex_prism": PartRule(
        ("across_flats", "height"),
        {
            **{r: ("across_flats",) for r in ("across_flats", "width", "size", "diameter")},
            **_TALL,
        },
        derived=frozenset({"across_corners"}),
    ),
    "torus": PartRule(
        ("major_diameter", "minor_diameter"),
        {
            "diameter": ("major_diameter",),
            "major_diameter": ("major_diameter",),
            "minor_diameter": ("minor_diameter",),
            "thickness": ("minor_diameter",),
        },
        derived=frozenset({"outer_diameter", "inner_diameter"}),
    ),
    "container": PartRule(
        ("width", "depth", "height"),
        {**_BOXY, "wall": ("wall",), "thickness": ("wall",)},
    ),
    "cup": PartRule(
        ("diameter", "height"),
        {
            "diameter": ("diameter",),
            "outer_diameter": ("diameter",),
            "height": ("height",),
            "wall": ("wall",),
            "thickness": ("wall",),
            "bottom": ("bottom",),
        },
        derived=frozenset({"inner_diameter"}),
    ),
    "block_with_hole": PartRule(
        ("width", "depth", "height"),
        {**_BOXY, "hole": ("hole_diameter",), "bore": ("hole_diameter",), "diameter": ("hole_diameter",)},
    ),
    "spur_gear": PartRule(
        (),
        {**{r: ("thickness",) for r in ("thickness", "height", "width")}, "bore": ("bore",), "hole": ("bore",)},
        derived=frozenset({"diameter", "outer_diameter", "pitch_diameter"}),
        main=("module", "teeth", "thickness"),
    ),
    "l_bracket": PartRule(
        ("leg_a", "leg_b", "width"),
        {
            "leg": ("leg_a", "leg_b"),
            "length": ("leg_a", "leg_b"),
            "size": ("leg_a", "leg_b"),
            "height": ("leg_b",),
            "width": ("width",),
            "thickness": ("thickness",),
            "hole": ("hole_diameter",),
        },
    ),
    "phone_stand": PartRule(
        ("width", "depth"),
        {"width": ("width",), "depth": ("depth",), "length": ("depth",), "thickness": ("thickness",)},
    ),
    "hook": PartRule(
        ("height", "reach", "width"),
        {
            "height": ("height",),
            "length": ("height",),
            "reach": ("reach",),
            "depth": ("reach",),
            "width": ("width",),
            "thickness": ("thickness",),
        },
    ),
}


def detect_part(text: str) -> tuple[str, str] | None:
    """The catalog part a normalized request names and the language of the name, or None."""
    for word in lexicon.PART_WORDS:
        if word.pattern.search(text):
            # A name both languages share ("Ring", "Torus") says nothing about the language.
            shared = all(w.pattern.search(text) for w in lexicon.PART_WORDS if w.part == word.part)
            return word.part, "" if shared else word.language
    return None

"""A part's parameters from the sizes and features of a request, with every assumption written down."""

from __future__ import annotations

from dataclasses import dataclass, field

from edge.agents.research.derive import DERIVE, Notes
from edge.agents.research.features import Features
from edge.agents.research.parts import RULES
from edge.agents.research.sizes import Measure, Sizes
from edge.agents.spec import PARTS, Param


@dataclass(kw_only=True)
class Filled:
    """A part's parameters and what was assumed or left unused while filling them."""

    parameters: dict[str, Param]
    assumptions: list[str] = field(default_factory=list)
    main_defaults: int = 0
    ignored: int = 0


def fill_parameters(part: str, sizes: Sizes, features: Features, *, cubic: bool = False) -> Filled:
    """Every parameter of `part`: given sizes first, then part-specific derivations, then defaults."""
    rule = RULES[part]
    params: dict[str, Param] = {}
    notes = Notes()
    unused: list[Measure] = []
    roles = _length_as_width(sizes.roles, rule.positional)
    for role, measures in roles.items():
        targets = rule.roles.get(role)
        if targets:
            for target in targets:
                params.setdefault(target, measures[0].mm)
            unused.extend(measures[1:])
        elif role not in rule.derived:
            unused.extend(measures)
    ordered = [m for _, group in _groups_first(sizes) for m in group] + sizes.bare
    free = [p for p in rule.positional if p not in params]
    for measure in ordered:
        if free:
            params[free.pop(0)] = measure.mm
        else:
            unused.append(measure)
    if cubic and "width" in params:
        for name in ("depth", "height"):
            params.setdefault(name, params["width"])
    DERIVE.get(part, _nothing)(params, sizes, features, notes)
    filled = Filled(parameters={}, assumptions=_unit_notes(sizes))
    filled.assumptions.extend(notes.lines)
    for name, default in PARTS[part].items():
        if name in params:
            filled.parameters[name] = _typed(params[name], default)
            continue
        value = default
        if features.scale and name in rule.scaled and isinstance(default, float):
            value = round(default * features.scale, 3)
        filled.parameters[name] = value
        if name in notes.quiet:
            continue
        filled.assumptions.append(f"{_words(name)} not given: {_shown(name, value)}")
        if name in rule.scaled:
            filled.main_defaults += 1
    if features.scale and any(n not in params for n in rule.scaled):
        size = "half" if features.scale < 1 else "twice"
        filled.assumptions.append(f"a vague size word: {size} the default size where none was given")
    for measure in unused:
        filled.assumptions.append(f"ignored {measure.text}: no size of a {_words(part)} it could be")
    filled.ignored = len(unused)
    return filled


def _length_as_width(roles: dict[str, list[Measure]], positional: tuple[str, ...]) -> dict[str, list[Measure]]:
    """ "60 long, 40 wide" on a box-like part: the length is the width and the width the depth."""
    if "length" not in roles or not {"width", "depth"} <= set(positional):
        return roles
    out = dict(roles)
    length = out.pop("length")
    if "width" in out and "depth" not in out:
        out["depth"] = out.pop("width")
    out.setdefault("width", length)
    return out


def _groups_first(sizes: Sizes) -> list[tuple[str | None, list[Measure]]]:
    # An inner group belongs to the container's derivation, not to its outer sizes.
    return [(role, g) for role, g in sizes.groups if role != "inner"]


def _unit_notes(sizes: Sizes) -> list[str]:
    bare = [m.text for m in sizes.all() if not m.unit_given]
    if not bare:
        return []
    why = "the unit written elsewhere" if sizes.default_unit != "mm" else "millimetres"
    return [f"no unit given for {', '.join(bare)}: read as {sizes.default_unit} ({why})"]


def _typed(value: Param, default: Param) -> Param:
    if isinstance(default, bool | str):
        return value
    if isinstance(default, int):
        return int(value)
    return round(float(value), 3)


def _shown(name: str, value: Param) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        unit = "°" if name == "angle" else " mm"
        return f"{value:g}{unit}"
    return str(value)


def _words(name: str) -> str:
    return name.replace("_", " ")


def _nothing(params: dict[str, Param], sizes: Sizes, features: Features, notes: Notes) -> None:
    return None

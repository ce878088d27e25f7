"""Sizes in a request: each number with its unit, and the role its neighbouring words give it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from edge.agents.research import lexicon
from edge.agents.research.units import NUMBER, QUANTITY, UNIT, parse_number, to_mm, unit_name

_Q = rf"{NUMBER}(?:\s*{UNIT})?"
_GROUP = re.compile(rf"(?P<a>{_Q})\s*(?:x|by|mal|\*)\s*(?P<b>{_Q})(?:\s*(?:x|by|mal|\*)\s*(?P<c>{_Q}))?")
_INNER_BEFORE = re.compile(
    r"(?:inner|inside|internal|innen\w*)\s*(?:dimensions?|sizes?|ma(?:ß|ss)e?)?\s*(?:of|von)?\s*:?\s*$"
)
_OUTER_BEFORE = re.compile(
    r"(?:outer|outside|external|au(?:ß|ss)en\w*)\s*(?:dimensions?|sizes?|ma(?:ß|ss)e?)?\s*(?:of|von)?\s*:?\s*$"
)
# What may stand between a number and the word after it ("20 mm in diameter"), or a word and its number.
_BACK = re.compile(r"[\s-]*(?:(?:in|im|of|each|je|jeweils|total|insgesamt)[\s-]*)*")
_FORWARD = re.compile(
    r"[\s:=-]*(?:(?:of|von|is|ist|about|approx\.?|approximately|ca\.?|circa|etwa|ungefähr|around|roughly|"
    r"exactly|genau|a|an|with|mit|in|im|each|je|jeweils|only|nur|from|at|a\s+total\s+of)[\s:=-]*)*"
)
_DOUBLED = {"radius": "diameter", "outer_radius": "outer_diameter", "inner_radius": "inner_diameter"}


@dataclass(frozen=True)
class Measure:
    """One length of the request, in millimetres, and how it was written."""

    mm: float
    text: str
    unit_given: bool


@dataclass(kw_only=True)
class Sizes:
    """Every length of a request: by role, in "A x B x C" groups, and the rest in the order written."""

    roles: dict[str, list[Measure]] = field(default_factory=dict)
    groups: list[tuple[str | None, list[Measure]]] = field(default_factory=list)
    bare: list[Measure] = field(default_factory=list)
    default_unit: str = "mm"

    def role(self, name: str) -> float | None:
        """The first length given this role, if any."""
        found = self.roles.get(name)
        return found[0].mm if found else None

    def all(self) -> list[Measure]:
        """Every length, wherever it was found."""
        out = [m for ms in self.roles.values() for m in ms] + self.bare
        return out + [m for _, ms in self.groups for m in ms]


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    number: str
    unit: str | None


def read_sizes(text: str) -> Sizes:
    """The lengths of a normalized request whose non-size features have been blanked out."""
    groups: list[tuple[str | None, list[_Found]]] = []
    for m in _GROUP.finditer(text):
        members = [_found(QUANTITY.fullmatch(m[g]), m.start(g)) for g in "abc" if m[g]]
        before = text[: m.start()]
        role = "inner" if _INNER_BEFORE.search(before) else "outer" if _OUTER_BEFORE.search(before) else None
        # A unit written once at the end ("20 x 30 x 40 mm") holds for the whole group.
        last = next((f.unit for f in reversed(members) if f.unit), None)
        groups.append((role, [_Found(f.start, f.end, f.number, f.unit or last) for f in members]))
        text = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]
    singles = [_found(m, 0) for m in QUANTITY.finditer(text)]
    written = {f.unit for _, g in groups for f in g if f.unit} | {f.unit for f in singles if f.unit}
    sizes = Sizes(default_unit=written.pop() if len(written) == 1 else "mm")
    sizes.groups = [(role, [_measure(f, sizes.default_unit) for f in g]) for role, g in groups]
    claimed = _bind_roles(text, singles)
    for i, f in enumerate(singles):
        measure = _measure(f, sizes.default_unit)
        role = claimed.get(i)
        if role is None:
            sizes.bare.append(measure)
        elif role in _DOUBLED:
            doubled = Measure(mm=measure.mm * 2, text=measure.text, unit_given=measure.unit_given)
            sizes.roles.setdefault(_DOUBLED[role], []).append(doubled)
        else:
            sizes.roles.setdefault(role, []).append(measure)
    return sizes


def _bind_roles(text: str, found: list[_Found]) -> dict[int, str]:
    """Which number each size word names: adjectives the number before; nouns the one before, else after."""
    words = _role_words(text)
    claimed: dict[int, str] = {}
    for start, _, role, _ in (w for w in words if w[3]):
        i = _before(text, found, start)
        if i is not None and i not in claimed:
            claimed[i] = role
    for start, end, role, _ in (w for w in words if not w[3]):
        i = _before(text, found, start)
        if i is None or i in claimed:
            i = _after(text, found, end)
        if i is not None and i not in claimed:
            claimed[i] = role
    return claimed


def _role_words(text: str) -> list[tuple[int, int, str, bool]]:
    """Size words in order of position; of overlapping ones the longest ("outer diameter", not "diameter")."""
    hits = sorted(
        ((m.start(), m.end(), r.role, r.adjective) for r in lexicon.ROLES for m in r.pattern.finditer(text)),
        key=lambda h: (h[0], h[0] - h[1]),
    )
    out: list[tuple[int, int, str, bool]] = []
    for hit in hits:
        if not out or hit[0] >= out[-1][1]:
            out.append(hit)
    return out


def _before(text: str, found: list[_Found], start: int) -> int | None:
    for i in range(len(found) - 1, -1, -1):
        if found[i].end <= start:
            return i if _BACK.fullmatch(text[found[i].end : start]) else None
    return None


def _after(text: str, found: list[_Found], end: int) -> int | None:
    for i, f in enumerate(found):
        if f.start >= end:
            return i if _FORWARD.fullmatch(text[end : f.start]) else None
    return None


def _found(m: re.Match[str] | None, offset: int) -> _Found:
    assert m is not None  # the group pattern is built from QUANTITY's own parts
    return _Found(offset + m.start(), offset + m.end(), m["number"], unit_name(m["unit"]))


def _measure(f: _Found, default_unit: str) -> Measure:
    value = to_mm(parse_number(f.number), f.unit or default_unit)
    text = f.number.strip() + (f" {f.unit}" if f.unit else "")
    return Measure(mm=round(value, 3), text=text, unit_given=f.unit is not None)

"""The facts in a request that are not sizes: material, quality, copies, screws, teeth, angle, holes, lid."""

from __future__ import annotations

import re
from dataclasses import dataclass

from edge.agents.errors import DesignError
from edge.agents.research import lexicon
from edge.agents.research.units import NUMBER, UNIT, parse_number
from edge.agents.spec import MATERIALS

# ISO 273 medium clearance holes, and ISO 7089 washers (outer diameter, thickness) for each screw.
CLEARANCE_MM = {
    "M2": 2.4,
    "M2.5": 2.9,
    "M3": 3.4,
    "M4": 4.5,
    "M5": 5.5,
    "M6": 6.6,
    "M8": 9.0,
    "M10": 11.0,
    "M12": 13.5,
    "M16": 17.5,
}
WASHER_MM = {
    "M2": (5.0, 0.5),
    "M2.5": (6.0, 0.5),
    "M3": (7.0, 0.5),
    "M4": (9.0, 0.8),
    "M5": (10.0, 1.0),
    "M6": (12.0, 1.6),
    "M8": (16.0, 1.6),
    "M10": (20.0, 2.0),
    "M12": (24.0, 2.5),
    "M16": (30.0, 3.0),
}

COUNT = rf"(?:\d+|{lexicon.NUMBER_WORD})"
_MATERIAL = re.compile(r"(?<![\w-])(" + "|".join(m.lower() for m in MATERIALS) + r")\+?(?![\w])", re.IGNORECASE)
_MODULE = re.compile(rf"(?<![\w])(?:module|modul|mod\.?|m\s*=)\s*[:=]?\s*(?P<n>{NUMBER})(?:\s*mm)?")
_SCREW = re.compile(r"(?<![\w.])m\s?(?P<n>\d+(?:[.,]\d+)?)(?!\d|[.,]\d)(?![a-zäöüß])")
_TEETH = re.compile(
    rf"(?P<a>{COUNT})\s*(?:teeth|tooth|zähnen|zähne|zahn)\b|(?:teeth|zähne|zähnezahl|zahnzahl)\s*[:=]?\s*(?P<b>\d+)"
)
_ANGLE = re.compile(
    rf"(?:(?:angle|tilt|winkel|neigung\w*)\s*(?:of\s*|von\s*)?[:=]?\s*)?(?P<n>{NUMBER})\s*(?:°|deg(?:rees?)?\b|grad\b)"
)
_COPIES = re.compile(rf"(?P<n>{COUNT})\s*(?:x\s*)?(?:{lexicon.COPIES})(?![\w])(?!\s*\d)")
_X_COPIES = re.compile(
    r"(?<![\w.])x\s?(?P<n>\d+)(?![\d.,/])(?!\s*(?:x|by|mal)\b)|(?<![\w.])(?P<m>\d+)\s?x(?![\w])(?!\s*[\d.,])"
)
_GRID = re.compile(
    rf"(?:{lexicon.GRID_WORDS})\s*(?:of\s*|von\s*|mit\s*)?(?P<a>{COUNT})\s*(?:x|by|mal)\s*(?P<b>{COUNT})"
    rf"|(?P<c>{COUNT})\s*(?:x|by|mal)\s*(?P<d>{COUNT})\s*-?\s*(?:holes?\s*)?(?:{lexicon.GRID_WORDS}|holes?|löcher\w*|bohrungen)"
)
_HOLE_COUNT = re.compile(rf"(?P<n>{COUNT})\s+(?:(?!mm|cm|in|inch|zoll)[a-zäöüß_]+\s+)?(?:holes|löcher\w*|bohrungen)\b")


@dataclass(kw_only=True)
class Features:
    """What a request says besides its sizes; None where it says nothing."""

    material: str | None = None
    quality: str | None = None
    copies: int | None = None
    screw: str | None = None
    teeth: int | None = None
    module: float | None = None
    angle: float | None = None
    hole_count: int | None = None
    grid: tuple[int, int] | None = None
    pattern: str | None = None
    holes: bool = False
    lid: bool | None = None
    scale: float | None = None
    truncated: bool = False

    @property
    def clearance_mm(self) -> float | None:
        """The clearance hole of the screw named, if any."""
        return CLEARANCE_MM[self.screw] if self.screw else None


def extract_features(text: str) -> tuple[Features, str]:
    """The features of a normalized request, and the text with them blanked out for the size reader."""
    f = Features()
    text, m = _take(_MATERIAL, text)
    if m:
        f.material = m[1].upper()
    for quality, pattern in lexicon.QUALITY.items():
        text, m = _take(pattern, text)
        if m:
            f.quality = quality
            break
    text, m = _take(_MODULE, text)
    if m:
        f.module = float(parse_number(m["n"]))
    text, m = _take(_TEETH, text)
    if m:
        f.teeth = _count(m["a"] or m["b"])
    text, m = _take(_SCREW, text)
    if m:
        f.screw = "M" + m["n"].replace(",", ".")
        if f.screw not in CLEARANCE_MM:
            known = ", ".join(CLEARANCE_MM)
            raise DesignError(f"no clearance hole known for screw size {f.screw}: use one of {known}")
    text, m = _take(_ANGLE, text)
    if m:
        f.angle = float(parse_number(m["n"]))
    text, m = _take(_GRID, text)
    if m:
        f.grid = (_count(m["a"] or m["c"]), _count(m["b"] or m["d"]))
        f.pattern = "grid"
    text, m = _take(_HOLE_COUNT, text, group="n")
    if m:
        f.hole_count = _count(m["n"])
    text = _copies(f, text)
    f.holes = f.hole_count is not None or f.grid is not None or bool(lexicon.HOLES.search(text))
    if f.pattern is None:
        if lexicon.CORNERS.search(text):
            f.pattern = "corners"
        elif lexicon.GRID.search(text):
            f.pattern = "grid"
        elif lexicon.CENTER.search(text):
            f.pattern = "center"
    if lexicon.NO_LID.search(text):
        f.lid = False
    elif lexicon.LID.search(text):
        f.lid = True
    if lexicon.SMALL.search(text):
        f.scale = 0.5
    elif lexicon.LARGE.search(text):
        f.scale = 2.0
    f.truncated = bool(lexicon.TRUNCATED.search(text))
    return f, text


def _copies(f: Features, text: str) -> str:
    text, m = _take(_COPIES, text)
    if m:
        f.copies = _count(m["n"])
        return text
    for m in _X_COPIES.finditer(text):
        before = text[: m.start()].rstrip()
        # "20 x 3" and "2 cm x 3" are sizes, not three copies; "20 mm x3" is.
        if before.endswith(tuple("0123456789")) or (re.search(rf"{UNIT}$", before) and " " in m[0].strip()):
            continue
        f.copies = int(m["n"] or m["m"])
        return _blank(text, m.start(), m.end())
    return _counted_parts(f, text)


def _counted_parts(f: Features, text: str) -> str:
    """ "three cubes", "three 20 mm cubes", "2 washers", "drei Würfel": a count before the part's name."""
    for m in re.finditer(rf"(?<![\w.,/])(?P<n>{COUNT})(?![\w.,/])(?!\s*(?:{UNIT}|x\b|by\b|mal\b))", text):
        if m["n"] in ("a", "ein", "eine", "einen", "one"):
            continue
        # A digit counts only right before the name; a number word may have a size in between.
        reach = 1 if m["n"].isdigit() else 4
        for word in list(re.finditer(r"\S+", text[m.end() :]))[:reach]:
            rest = text[m.end() + word.start() :]
            if any(w.pattern.match(rest) for w in lexicon.PART_WORDS):
                f.copies = _count(m["n"])
                return _blank(text, m.start(), m.end())
    return text


def _take(pattern: re.Pattern[str], text: str, group: str | None = None) -> tuple[str, re.Match[str] | None]:
    m = pattern.search(text)
    if not m:
        return text, None
    start, end = (m.start(group), m.end(group)) if group else (m.start(), m.end())
    return _blank(text, start, end), m


def _blank(text: str, start: int, end: int) -> str:
    # A neutral word of the same length keeps positions, and still separates what it separated:
    # "20 in PETG" must not become "20 in" (inches).
    return text[:start] + "_" * (end - start) + text[end:]


def _count(word: str) -> int:
    return int(word) if word.isdigit() else lexicon.NUMBER_WORDS[word]

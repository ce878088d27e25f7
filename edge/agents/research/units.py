"""Numbers and lengths as people write them: decimals, decimal commas, fractions, mixed numbers, units."""

from __future__ import annotations

import re
from fractions import Fraction

# A number never continues a word ("m3" is a screw) and a minus only starts one ("10-20" is no -20).
NUMBER = r"(?<![a-wyzäöüß\d.,/])(?:-(?=[\d.,]))?(?:\d+(?:\s+|-)\d+/\d+|\d+/\d+|\d+(?:[.,]\d+)?|[.,]\d+)(?![\d/])"

# "in" is an inch only when it is not the preposition in "in PETG", "in the centre", "in diameter".
_IN_NOT_INCH = (
    r"(?!\s*(?:pla|petg|abs|tpu|the|a|an|der|die|das|den|dem|einem|einer|diameter|durchmesser|size|height|"
    r"length|width|thickness|total|each|draft|standard|fine|ultra|fein|entwurf|high|hoher|hohe|low|"
    r"hoch|qualit|quality|mm|cm)\b|\s*_)"
)
UNIT = (
    r"(?:mm|millimet(?:er|re)s?|cm|[cz]entimet(?:er|re)s?|met(?:er|re)s?|m(?![\w])|inch(?:es)?|zoll|"
    r"in(?![\w])" + _IN_NOT_INCH + r'|")'
)

MM_PER_UNIT = {"mm": 1.0, "cm": 10.0, "m": 1000.0, "in": 25.4}

QUANTITY = re.compile(rf"(?P<number>{NUMBER})(?:\s*(?P<unit>{UNIT}))?", re.IGNORECASE)

_UNICODE = {
    "\u00d7": " x ",  # multiplication sign
    "″": '"',
    "“": '"',
    "”": '"',
    "''": '"',
    "\u2212": "-",  # minus sign
    "\u2013": "-",  # en dash
    "½": " 1/2",
    "¼": " 1/4",
    "¾": " 3/4",
    "⅛": " 1/8",
    "⌀": "ø",
    "\u00a0": " ",
}


def normalize(text: str) -> str:
    """Lower-case text with typographic signs replaced by the plain ones the patterns expect."""
    out = text.lower()
    for sign, plain in _UNICODE.items():
        out = out.replace(sign, plain)
    # "1 ½" became "1  1/2"; keep mixed numbers to a single space.
    return re.sub(r"(\d)\s+(\d+/\d+)", r"\1 \2", out)


def parse_number(text: str) -> Fraction:
    """The value of "2.5", "2,5", "3/4", "1 1/2" or "1-1/2" (and a leading minus)."""
    s = text.strip()
    sign = -1 if s.startswith("-") and len(s) > 1 and (s[1].isdigit() or s[1] in ".,") else 1
    if sign < 0:
        s = s[1:]
    mixed = re.fullmatch(r"(\d+)(?:\s+|-)(\d+)/(\d+)", s)
    if mixed:
        whole, num, den = (int(g) for g in mixed.groups())
        return sign * (whole + _fraction(num, den, text))
    simple = re.fullmatch(r"(\d+)/(\d+)", s)
    if simple:
        return sign * _fraction(int(simple[1]), int(simple[2]), text)
    if re.fullmatch(r"\d*[.,]?\d+|\d+", s):
        return sign * Fraction(s.replace(",", "."))
    raise ValueError(f"not a number: {text!r}")


def unit_name(text: str | None) -> str | None:
    """The canonical unit ("mm", "cm", "m", "in") for a unit word or sign, or None."""
    if not text:
        return None
    t = text.lower()
    if t.startswith(("mm", "milli")):
        return "mm"
    if t.startswith(("cm", "centi", "zenti")):
        return "cm"
    if t == "m" or t.startswith("met"):
        return "m"
    if t in ('"', "in", "zoll") or t.startswith("inch"):
        return "in"
    raise ValueError(f"not a unit: {text!r}")


def to_mm(value: Fraction | float, unit: str) -> float:
    """A length in the given canonical unit, in millimetres."""
    return float(value) * MM_PER_UNIT[unit]


def parse_length(text: str, default_unit: str = "mm") -> float:
    """A length such as "2,5 cm", '1 1/2"' or "3/4 inch", in millimetres."""
    m = QUANTITY.fullmatch(normalize(text).strip())
    if not m:
        raise ValueError(f"not a length: {text!r}")
    return to_mm(parse_number(m["number"]), unit_name(m["unit"]) or default_unit)


def _fraction(num: int, den: int, text: str) -> Fraction:
    if den == 0:
        raise ValueError(f"a fraction with zero below the line: {text!r}")
    return Fraction(num, den)

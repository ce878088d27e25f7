"""The English and German words compiled into the patterns the rules match, and the request's language."""

from __future__ import annotations

import re
from dataclasses import dataclass

from edge.agents.research import words_de, words_en

EN_MARKERS = r"a|an|the|with|and|for|of|please|make|print|need|want|i|me|some|holes?|high|wide|long|tall|thick"


def words(*fragments: str) -> re.Pattern[str]:
    """One pattern matching any of the fragments as whole words."""
    return re.compile(r"(?<![\w-])(?:" + "|".join(f"(?:{f})" for f in fragments) + r")(?![\w])", re.IGNORECASE)


@dataclass(frozen=True)
class Role:
    """A size word: the role it gives a number, and whether it only follows its number ("tall")."""

    pattern: re.Pattern[str]
    role: str
    adjective: bool


@dataclass(frozen=True)
class PartWord:
    """A catalog part and the pattern of its names in one language."""

    part: str
    language: str
    pattern: re.Pattern[str]


# In the order of words_en.PARTS: most specific first.
PART_WORDS: list[PartWord] = [
    PartWord(part, lang, words(table[part]))
    for part in words_en.PARTS
    for lang, table in (("en", words_en.PARTS), ("de", words_de.PARTS))
]

ROLES: list[Role] = [Role(words(w), role, adj) for w, role, adj in words_en.ROLES + words_de.ROLES]

QUALITY: dict[str, re.Pattern[str]] = {
    q: words(words_en.QUALITY[q], words_de.QUALITY[q]) for q in ("ultra", "fine", "draft", "standard")
}

NUMBER_WORDS: dict[str, int] = {**words_en.NUMBER_WORDS, **words_de.NUMBER_WORDS}
NUMBER_WORD = "|".join(sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True))

COPIES = f"{words_en.COPIES}|{words_de.COPIES}"
SMALL = words(words_en.SMALL, words_de.SMALL)
LARGE = words(words_en.LARGE, words_de.LARGE)
LID = words(words_en.LID, words_de.LID)
NO_LID = words(words_en.NO_LID, words_de.NO_LID)
HOLES = words(words_en.HOLES, words_de.HOLES)
CORNERS = words(words_en.CORNERS, words_de.CORNERS)
CENTER = words(words_en.CENTER, words_de.CENTER)
GRID = words(words_en.GRID, words_de.GRID)
GRID_WORDS = f"{words_en.GRID}|{words_de.GRID}"
TRUNCATED = words(words_en.TRUNCATED, words_de.TRUNCATED)

_DE = words(words_de.MARKERS)
_EN = words(EN_MARKERS)


def language(text: str, part_language: str | None) -> str:
    """ "de" when the request reads as German, otherwise "en"."""
    de = len(_DE.findall(text)) + len(re.findall(r"[äöüß]", text))
    en = len(_EN.findall(text))
    if part_language == "de":
        de += 2
    elif part_language == "en":
        en += 2
    return "de" if de > en else "en"

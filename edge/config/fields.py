"""The field helper every config section uses: a default with bounds or choices beside it."""

from __future__ import annotations

from dataclasses import field
from typing import Any


def bounded(default: Any, lo: float | None = None, hi: float | None = None, *, choices: tuple[str, ...] = ()) -> Any:
    """A dataclass field with a default and optional numeric bounds or string choices."""
    return field(default=default, metadata={"min": lo, "max": hi, "choices": choices})

"""Typed, validated access to a part's parameters: defaults from the catalog, errors that name the value."""

from __future__ import annotations

from collections.abc import Mapping

from edge.agents.errors import DesignError
from edge.agents.spec import PARTS, Param


class Params:
    """A part's parameters with the catalog's defaults filled in; unknown names are refused."""

    def __init__(self, part: str, values: Mapping[str, Param]) -> None:
        if part not in PARTS:
            raise DesignError(f"unknown part '{part}'; the catalog has: {', '.join(sorted(PARTS))}")
        unknown = sorted(set(values) - set(PARTS[part]))
        if unknown:
            known = ", ".join(PARTS[part])
            raise DesignError(f"{part} has no parameter {', '.join(unknown)}; its parameters are: {known}")
        self.part = part
        self._values: dict[str, Param] = {**PARTS[part], **values}

    def has(self, name: str) -> bool:
        """Whether the part has this parameter."""
        return name in self._values

    def length(self, name: str, *, allow_zero: bool = False) -> float:
        """A length in mm: a finite number above zero (or zero, when allowed)."""
        value = self._number(name)
        if value < 0 or (value == 0 and not allow_zero) or value != value or value == float("inf"):
            need = "zero or more" if allow_zero else "more than zero"
            raise DesignError(f"{self.part} {name} is {value:g} mm; it must be {need}")
        return value

    def angle(self, name: str, low: float, high: float) -> float:
        """An angle in degrees within [low, high]."""
        value = self._number(name)
        if not low <= value <= high:
            raise DesignError(f"{self.part} {name} is {value:g} degrees; it must be between {low:g} and {high:g}")
        return value

    def count(self, name: str, minimum: int, maximum: int) -> int:
        """A whole number within [minimum, maximum]."""
        value = self._number(name)
        if value != int(value) or not minimum <= value <= maximum:
            raise DesignError(f"{self.part} {name} is {value:g}; it must be a whole number from {minimum} to {maximum}")
        return int(value)

    def flag(self, name: str) -> bool:
        """A yes/no parameter."""
        value = self._values[name]
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)

    def choice(self, name: str, options: tuple[str, ...]) -> str:
        """One of a fixed set of words."""
        value = str(self._values[name]).strip().lower()
        if value not in options:
            raise DesignError(f"{self.part} {name} is '{value}'; it must be one of {', '.join(options)}")
        return value

    def _number(self, name: str) -> float:
        value = self._values[name]
        if isinstance(value, bool):
            raise DesignError(f"{self.part} {name} is {value}; it must be a number")
        try:
            return float(value)
        except ValueError:
            raise DesignError(f"{self.part} {name} is '{value}'; it must be a number") from None

"""Constraints and descriptions attached to model fields with typing.Annotated."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Meta:
    """What a field's type alone does not say: bounds, lengths, a description, an example."""

    description: str = ""
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_items: int | None = None
    max_items: int | None = None
    # Text that must hold something other than white space (JSON Schema: pattern "\S").
    not_blank: bool = False
    example: object = None

    def json_schema(self) -> dict[str, object]:
        """The JSON Schema keywords these constraints stand for."""
        keywords: dict[str, object] = {
            "description": self.description or None,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "minLength": self.min_length,
            "maxLength": self.max_length,
            "minItems": self.min_items,
            "maxItems": self.max_items,
            "pattern": r"\S" if self.not_blank else None,
            "examples": None if self.example is None else [self.example],
        }
        return {key: value for key, value in keywords.items() if value is not None}


def merged(metas: list[Meta]) -> Meta:
    """One Meta with the constraints of several (later ones win)."""
    result: dict[str, object] = {}
    for meta in metas:
        for name in meta.__dataclass_fields__:
            value = getattr(meta, name)
            if value not in (None, "", False):
                result[name] = value
    return Meta(**result)  # type: ignore[arg-type]

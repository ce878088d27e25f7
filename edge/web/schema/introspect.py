"""What a model type is made of: its fields, their types, constraints and defaults."""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from dataclasses import dataclass

from edge.web.schema.meta import Meta, merged


@dataclass(frozen=True)
class FieldInfo:
    """One field of a model: name, type (without Annotated), constraints, and whether it may be left out."""

    name: str
    type: object
    meta: Meta
    has_default: bool


def unwrap(tp: object) -> tuple[object, Meta]:
    """A type without its Annotated wrapper, and the Meta constraints the wrapper carried."""
    if typing.get_origin(tp) is typing.Annotated:
        base, *extras = typing.get_args(tp)
        inner, meta = unwrap(base)
        return inner, merged([meta, *(extra for extra in extras if isinstance(extra, Meta))])
    return tp, Meta()


def is_model(tp: object) -> bool:
    """Whether a type is a model with named fields: a dataclass or a TypedDict."""
    return isinstance(tp, type) and (dataclasses.is_dataclass(tp) or typing.is_typeddict(tp))


def is_enum(tp: object) -> typing.TypeGuard[type[enum.Enum]]:
    """Whether a type is an Enum class."""
    return isinstance(tp, type) and issubclass(tp, enum.Enum)


def union_members(tp: object) -> tuple[object, ...] | None:
    """The members of a union (X | Y, Optional[X]), or None for another type."""
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        return typing.get_args(tp)
    return None


def without_none(tp: object) -> tuple[object, bool]:
    """A type with None taken out of its union, and whether None was in it."""
    members = union_members(tp)
    if members is None or type(None) not in members:
        return tp, False
    rest = tuple(member for member in members if member is not type(None))
    return (rest[0] if len(rest) == 1 else typing.Union[rest]), True  # noqa: UP007


def model_fields(model: type) -> tuple[FieldInfo, ...]:
    """The fields of a dataclass or TypedDict, in declaration order."""
    return _fields(model)


@functools.cache
def _fields(model: type) -> tuple[FieldInfo, ...]:
    hints = typing.get_type_hints(model, include_extras=True)
    if dataclasses.is_dataclass(model):
        result = []
        for field in dataclasses.fields(model):
            tp, meta = unwrap(hints[field.name])
            has_default = field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING
            result.append(FieldInfo(field.name, tp, meta, has_default))
        return tuple(result)
    required: frozenset[str] = getattr(model, "__required_keys__", frozenset())
    return tuple(FieldInfo(name, *unwrap(hint), name not in required) for name, hint in hints.items())


def description_of(model: type) -> str:
    """A model's one-line docstring (dataclasses without one get a generated signature: left out)."""
    doc = (model.__doc__ or "").strip()
    return "" if doc.startswith(f"{model.__name__}(") else doc

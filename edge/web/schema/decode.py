"""Request bodies and parameters checked against their models: a typed instance, or an error naming field and value."""

from __future__ import annotations

import json
import typing
from collections.abc import Mapping
from typing import TypeVar

from edge.web.schema.introspect import (
    FieldInfo,
    is_enum,
    is_model,
    model_fields,
    union_members,
    unwrap,
    without_none,
)
from edge.web.schema.meta import Meta, merged

T = TypeVar("T")

_KINDS = {dict: "an object", list: "a list", str: "text", bool: "a boolean", float: "a number", int: "a number"}
_WANTED = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}
_TRUE = ("1", "true", "yes")
_FALSE = ("0", "false", "no")


class DecodeError(ValueError):
    """A value does not fit its model; the message names the field and the value."""


def decode_body(model: type[T], data: Mapping[str, object]) -> T:
    """A JSON object checked against a request model: no unknown fields, every required one, each of its type."""
    fields = model_fields(model)
    values: dict[str, object] = {}
    for field in fields:  # in declaration order, so the first field that is wrong is the one named
        if field.name in data:
            values[field.name] = _value(field.type, field.meta, data[field.name], f'field "{field.name}"')
        elif not field.has_default:
            given = ", ".join(sorted(data)) or "none"
            raise DecodeError(f'missing field "{field.name}" in the request body (fields given: {given})')
    unknown = sorted(set(data) - {field.name for field in fields})
    if unknown:
        known = ", ".join(f'"{field.name}"' for field in fields) or "none"
        raise DecodeError(f'unknown field "{unknown[0]}" in the request body (known fields: {known})')
    _check_exactly_one(model, data)
    return model(**values)


def decode_params(model: type[T], raw: Mapping[str, str], where: str) -> T:
    """Query or path parameters (text) converted to a model's field types; unlisted parameters are ignored."""
    values: dict[str, object] = {}
    for field in model_fields(model):
        text = raw.get(field.name)
        if text is not None:
            values[field.name] = _param(field, text, f"{where} {field.name}")
        elif not field.has_default:
            raise DecodeError(f"missing {where} {field.name}")
    return model(**values)


def describe(value: object) -> str:
    """A value as an error message shows it: its kind and a clipped repr ("text '3'", "a list [1, 2]")."""
    kind = "null" if value is None else _KINDS.get(type(value), type(value).__name__)
    return kind if value is None else f"{kind} {clip(value)!r}"


def clip(value: object, limit: int = 60) -> object:
    """Long text and containers shortened for a message."""
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + "..."
    if isinstance(value, dict | list):
        text = json.dumps(value)
        return text if len(text) <= limit else text[:limit] + "..."
    return value


def _value(tp: object, meta: Meta, value: object, name: str) -> object:
    tp, inner = unwrap(tp)
    base, nullable = without_none(tp)
    base, innermost = unwrap(base)
    meta = merged([innermost, inner, meta])
    if value is None:
        if nullable or tp in (object, typing.Any):
            return None
        raise DecodeError(f"{name} must be {_wanted(base)}, got null")
    members = union_members(base)
    if members is not None:
        for member in members:
            try:
                return _value(member, meta, value, name)
            except DecodeError:
                continue
        raise DecodeError(f"{name} must be one of {', '.join(_wanted(m) for m in members)}, got {describe(value)}")
    checked = _typed(base, value, name)
    _check_meta(meta, checked, name)
    return checked


def _typed(tp: object, value: object, name: str) -> object:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is object or tp is typing.Any:
        return value
    if tp is bool and isinstance(value, bool):
        return value
    if tp is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if tp is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if tp is str and isinstance(value, str):
        return value
    if origin is typing.Literal and value in args:
        return value
    if is_enum(tp):
        for member in tp.__members__.values():
            if member.value == value:
                return member
    if origin is list and isinstance(value, list):
        return [_value(args[0], Meta(), item, _item(name, index)) for index, item in enumerate(value)]
    if is_model(tp) and isinstance(value, dict):
        return decode_body(typing.cast(type, tp), value)
    raise DecodeError(f"{name} must be {_wanted(tp)}, got {describe(value)}")


def _item(name: str, index: int) -> str:
    """'field "commands"' -> 'field "commands[1]"'."""
    return f'{name[:-1]}[{index}]"' if name.endswith('"') else f"{name}[{index}]"


def _check_meta(meta: Meta, value: object, name: str) -> None:
    if isinstance(value, str):
        if meta.not_blank and not value.strip():
            raise DecodeError(f"{name} must not be empty, got {value!r}")
        _bounds(len(value), meta.min_length, meta.max_length, name, "characters long", value)
    elif isinstance(value, list):
        _bounds(len(value), meta.min_items, meta.max_items, name, "items long", value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        _bounds(value, meta.minimum, meta.maximum, name, "", value)


def _bounds(size: float, lo: float | None, hi: float | None, name: str, unit: str, value: object) -> None:
    unit = f" {unit}" if unit else ""
    if lo is not None and size < lo:
        raise DecodeError(f"{name} must be at least {lo:g}{unit}, got {clip(value)!r}")
    if hi is not None and size > hi:
        raise DecodeError(f"{name} must be at most {hi:g}{unit}, got {clip(value)!r}")


def _check_exactly_one(model: type, data: Mapping[str, object]) -> None:
    names: tuple[str, ...] = getattr(model, "EXACTLY_ONE_OF", ())
    if not names:
        return
    given = [name for name in names if data.get(name) is not None]
    choices = " or ".join(f'"{name}"' for name in names)
    if not given:
        keys = ", ".join(sorted(data)) or "none"
        raise DecodeError(f"missing field {choices} in the request body (fields given: {keys})")
    if len(given) > 1:
        raise DecodeError(f"give either {choices}, not both")


def _param(field: FieldInfo, text: str, name: str) -> object:
    base, meta = unwrap(without_none(field.type)[0])
    meta = merged([meta, field.meta])
    if typing.get_origin(base) is list:
        (item,) = typing.get_args(base)
        return [_scalar_param(item, part.strip(), name) for part in text.split(",")]
    value = _scalar_param(base, text, name)
    _check_meta(meta, value, name)
    return value


def _scalar_param(tp: object, text: str, name: str) -> object:
    if tp is int:
        try:
            return int(text, 10)
        except ValueError:
            raise DecodeError(f"{name} must be a whole number, got {text!r}") from None
    if tp is bool:
        if text.lower() in _TRUE + _FALSE:
            return text.lower() in _TRUE
        raise DecodeError(f"{name} must be true or false, got {text!r}")
    if is_enum(tp):
        for member in tp.__members__.values():
            if member.value == text.lower():
                return member
        raise DecodeError(f"{name}: {text!r} is not one of {_wanted(tp)[len('one of ') :]}")
    if typing.get_origin(tp) is typing.Literal:
        if text in typing.get_args(tp):
            return text
        raise DecodeError(f"{name}: {text!r} is not {_wanted(tp)}")
    if tp is str:
        return text
    raise TypeError(f"parameter type {tp!r} is not supported: use int, bool, str, an Enum or a list of them")


def _wanted(tp: object) -> str:
    if tp in _WANTED:
        return _WANTED[tp]
    if is_enum(tp):
        return "one of " + ", ".join(str(member.value) for member in tp.__members__.values())
    if typing.get_origin(tp) is typing.Literal:
        return "one of " + ", ".join(repr(arg) for arg in typing.get_args(tp))
    if typing.get_origin(tp) is list:
        return f"a list of {_wanted(typing.get_args(tp)[0])}"
    if is_model(tp):
        return "an object"
    return getattr(tp, "__name__", str(tp))

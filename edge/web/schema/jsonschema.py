"""JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) generated from model types."""

from __future__ import annotations

import collections.abc
import enum
import typing

from edge.web.schema.introspect import (
    description_of,
    is_enum,
    is_model,
    model_fields,
    union_members,
    unwrap,
    without_none,
)

JsonSchema = dict[str, object]

_SCALARS: dict[object, JsonSchema] = {
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    float: {"type": "number"},
    str: {"type": "string"},
    type(None): {"type": "null"},
    object: {},
    typing.Any: {},
}
_SEQUENCES = (list, tuple, collections.abc.Sequence)
_MAPPINGS = (dict, collections.abc.Mapping)


class AllOf:
    """An answer made of several models' fields together: a job and its history, say."""

    def __init__(self, *parts: type) -> None:
        self.parts = parts

    def __repr__(self) -> str:
        return f"AllOf({', '.join(part.__name__ for part in self.parts)})"


class SchemaBuilder:
    """Turns types into JSON Schema; named models and enums become components, referenced by $ref."""

    def __init__(self, ref_prefix: str = "#/components/schemas/") -> None:
        self.ref_prefix = ref_prefix
        self.components: dict[str, JsonSchema] = {}
        self._owners: dict[str, object] = {}

    def schema(self, tp: object, *, request: bool = False) -> JsonSchema:
        """The schema of a type; a request model refuses unknown fields and may leave out fields with defaults."""
        inner, meta = unwrap(tp)
        return self._plain(inner, request) | meta.json_schema()

    def _plain(self, tp: object, request: bool) -> JsonSchema:
        if isinstance(tp, AllOf):
            return {"allOf": [self.schema(part, request=request) for part in tp.parts]}
        if tp in _SCALARS:
            return dict(_SCALARS[tp])
        if isinstance(tp, type) and (is_model(tp) or is_enum(tp)):
            return {"$ref": self.ref_prefix + self._component(tp, request)}
        members = union_members(tp)
        if members is not None:
            return {"anyOf": [self.schema(member, request=request) for member in members]}
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is typing.Literal:
            return {"enum": list(args)}
        if origin in _SEQUENCES:
            return {"type": "array", "items": self.schema(args[0], request=request)} if args else {"type": "array"}
        if origin in _MAPPINGS:
            value = self.schema(args[1], request=request) if args else {}
            return {"type": "object", "additionalProperties": value} if value else {"type": "object"}
        raise TypeError(f"no JSON Schema for type {tp!r}: use a scalar, list, dict, Literal, Enum or a model")

    def _component(self, tp: type, request: bool) -> str:
        name = tp.__name__
        owner = self._owners.setdefault(name, tp)
        if owner is not tp:
            raise TypeError(f"two models are named {name}: {owner!r} and {tp!r}; rename one")
        if name not in self.components:
            self.components[name] = {}  # placeholder: a model may refer to itself
            self.components[name] = self._enum(tp) if is_enum(tp) else self._model(tp, request)
        return name

    def _enum(self, tp: type[enum.Enum]) -> JsonSchema:
        values = [member.value for member in tp]
        schema: JsonSchema = {"enum": values}
        if all(isinstance(value, str) for value in values):
            schema = {"type": "string"} | schema
        return _described(schema, description_of(tp))

    def _model(self, model: type, request: bool) -> JsonSchema:
        # Responses always carry every dataclass field; a TypedDict says itself which keys are optional.
        leave_out = request or typing.is_typeddict(model)
        properties = {}
        required = []
        for field in model_fields(model):
            properties[field.name] = self.schema(field.type, request=request) | field.meta.json_schema()
            if not (leave_out and field.has_default):
                required.append(field.name)
        schema: JsonSchema = {"type": "object", "properties": properties, "required": required}
        if request:
            schema["additionalProperties"] = False
        exactly_one: tuple[str, ...] = getattr(model, "EXACTLY_ONE_OF", ())
        if exactly_one:
            schema["oneOf"] = [
                {"required": [name], "properties": {name: self._non_null(model, name, request)}} for name in exactly_one
            ]
        return _described(schema, description_of(model))

    def _non_null(self, model: type, name: str, request: bool) -> JsonSchema:
        field = next(field for field in model_fields(model) if field.name == name)
        return self.schema(without_none(field.type)[0], request=request) | field.meta.json_schema()


def _described(schema: JsonSchema, description: str) -> JsonSchema:
    return schema | {"description": description} if description else schema

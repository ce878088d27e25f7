"""The model layer on its own: JSON Schema from types, and decoding that names the field and the value."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Annotated, ClassVar, TypedDict

import pytest

from edge.web.schema import Meta
from edge.web.schema.decode import DecodeError, decode_body, decode_params
from edge.web.schema.jsonschema import SchemaBuilder


class Colour(enum.StrEnum):
    """A colour."""

    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True)
class Paint:
    """A request to paint."""

    EXACTLY_ONE_OF: ClassVar[tuple[str, ...]] = ("colour", "colours")

    coats: Annotated[int, Meta(minimum=1, maximum=3)]
    colour: Colour | None = None
    colours: list[Colour] | None = None
    thinner: float = 0.0


@dataclass(frozen=True)
class Painted:
    """What was painted."""

    coats: int
    note: str = ""


class Extra(TypedDict, total=False):
    """Optional keys."""

    note: str


def test_request_schema_refuses_unknown_fields_and_requires_only_fields_without_defaults() -> None:
    builder = SchemaBuilder()
    assert builder.schema(Paint, request=True) == {"$ref": "#/components/schemas/Paint"}
    paint = builder.components["Paint"]
    assert paint["additionalProperties"] is False and paint["required"] == ["coats"]
    assert paint["properties"]["coats"] == {"type": "integer", "minimum": 1, "maximum": 3}  # type: ignore[index]
    assert builder.components["Colour"] == {"type": "string", "enum": ["red", "blue"], "description": "A colour."}
    assert [branch["required"] for branch in paint["oneOf"]] == [["colour"], ["colours"]]  # type: ignore[attr-defined]


def test_response_schema_requires_every_dataclass_field_and_only_the_required_keys_of_a_typeddict() -> None:
    builder = SchemaBuilder()
    builder.schema(Painted)
    builder.schema(Extra)
    assert builder.components["Painted"]["required"] == ["coats", "note"]
    assert "additionalProperties" not in builder.components["Painted"]
    assert builder.components["Extra"]["required"] == []


def test_two_models_of_one_name_are_refused() -> None:
    builder = SchemaBuilder()
    builder.schema(Painted)
    other = type("Painted", (), {})
    with pytest.raises(TypeError, match="two models are named Painted"):
        builder.schema(dataclass(other))


def test_decoding_converts_and_checks_each_field() -> None:
    paint = decode_body(Paint, {"coats": 2, "colours": ["red", "blue"], "thinner": 1})
    assert paint == Paint(coats=2, colours=[Colour.RED, Colour.BLUE], thinner=1.0)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"coats": True, "colour": "red"}, 'field "coats" must be a whole number, got a boolean True'),
        ({"coats": 4, "colour": "red"}, 'field "coats" must be at most 3, got 4'),
        ({"coats": 1, "colour": "green"}, "field \"colour\" must be one of red, blue, got text 'green'"),
        ({"coats": 1, "colours": ["red", 5]}, 'field "colours[1]" must be one of red, blue, got a number 5'),
        ({"coats": 1, "colour": "red", "colours": ["red"]}, 'give either "colour" or "colours", not both'),
        ({"coats": 1}, 'missing field "colour" or "colours"'),
        ({"colour": "red"}, 'missing field "coats" in the request body (fields given: colour)'),
        ({"coats": 1, "colour": "red", "gloss": 1}, 'unknown field "gloss" in the request body (known fields: "coats"'),
    ],
)
def test_decoding_errors_name_the_field_and_the_value(body: dict[str, object], message: str) -> None:
    with pytest.raises(DecodeError) as error:
        decode_body(Paint, body)
    assert message in str(error.value)


def test_parameters_are_converted_from_text() -> None:
    @dataclass(frozen=True)
    class Query:
        limit: Annotated[int, Meta(minimum=1)] = 10
        colour: list[Colour] | None = None
        all: bool = False

    assert decode_params(Query, {"limit": "5", "colour": "red,blue", "all": "yes"}, "query parameter") == Query(
        5, [Colour.RED, Colour.BLUE], True
    )
    with pytest.raises(DecodeError, match="query parameter limit must be at least 1, got 0"):
        decode_params(Query, {"limit": "0"}, "query parameter")
    with pytest.raises(DecodeError, match="query parameter all must be true or false, got 'maybe'"):
        decode_params(Query, {"all": "maybe"}, "query parameter")

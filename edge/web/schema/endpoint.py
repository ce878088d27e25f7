"""Route metadata: each /api/v1 handler declares its inputs, its answers and who may call it."""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Required, TypedDict, TypeVar, Unpack

from aiohttp import web

from edge.web.context import json_body, optional_json_body
from edge.web.errors import BadRequestError, Handler
from edge.web.schema.decode import DecodeError, decode_body, decode_params

T = TypeVar("T")
H = TypeVar("H", bound=Handler)


class Access(enum.Enum):
    """Who may call an operation."""

    PUBLIC = "public"  # anyone (a key that is sent is still checked)
    CREDENTIALS = "credentials"  # an API key, or the owner's panel session (with CSRF for changes)
    OWNER_SESSION = "owner_session"  # the owner's panel session only: API keys are refused (403)


@dataclass(frozen=True)
class Raw:
    """A body that is not JSON: its media types and their JSON Schemas."""

    content: Mapping[str, Mapping[str, object]]
    description: str = ""


# What an answer carries: a JSON model (a type), a Raw body, or None for no body.
Answer = type | object | Raw | None


@dataclass(frozen=True, kw_only=True)
class Operation:
    """One method on one path, as the OpenAPI document describes it and the handler reads its input."""

    method: str
    path: str
    tag: str
    name: str
    summary: str
    access: Access = Access.CREDENTIALS
    responses: Mapping[int, Answer]
    errors: Mapping[int, str] = field(default_factory=dict)
    body: type | None = None
    body_required: bool = True
    raw_body: Raw | None = None
    query: type | None = None
    path_params: type | None = None
    description: str = ""


class Declared(TypedDict, total=False):
    """What a handler declares about itself (the keywords of ApiRoutes.get/post/delete)."""

    responses: Required[Mapping[int, Answer]]
    errors: Mapping[int, str]
    access: Access
    body: type
    body_required: bool
    raw_body: Raw
    query: type
    path_params: type


OPERATIONS: dict[Callable[..., object], Operation] = {}


class ApiRoutes:
    """A RouteTableDef whose routes carry an Operation: `@api.post("/api/v1/jobs", body=NewJob, ...)`."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.routes = web.RouteTableDef()

    def get(self, path: str, **declared: Unpack[Declared]) -> Callable[[H], H]:
        """Declare and route a GET."""
        return self.route("GET", path, **declared)

    def post(self, path: str, **declared: Unpack[Declared]) -> Callable[[H], H]:
        """Declare and route a POST."""
        return self.route("POST", path, **declared)

    def delete(self, path: str, **declared: Unpack[Declared]) -> Callable[[H], H]:
        """Declare and route a DELETE."""
        return self.route("DELETE", path, **declared)

    def route(self, method: str, path: str, **declared: Unpack[Declared]) -> Callable[[H], H]:
        """Declare an operation for a handler and add it to the routes."""

        def register(handler: H) -> H:
            doc = inspect.getdoc(handler) or ""
            summary, _, description = doc.partition("\n")
            operation = Operation(
                method=method,
                path=path,
                tag=self.tag,
                name=handler.__name__,
                summary=summary,
                description=description.strip(),
                **declared,
            )
            OPERATIONS[handler] = operation
            self.routes.route(method, path)(handler)
            return handler

        return register


def operation_of(request: web.Request) -> Operation:
    """The operation the request was routed to (a bug if the handler declared none)."""
    operation = OPERATIONS.get(request.match_info.handler)
    if operation is None:
        raise RuntimeError(f"bug: {request.method} {request.path} has no declared operation")
    return operation


async def read_body(request: web.Request, model: type[T]) -> T:
    """The JSON body as the operation's request model, or a 400 naming the field and the value."""
    operation = _declaring(request, "body", model)
    data = await (json_body(request) if operation.body_required else optional_json_body(request))
    try:
        return decode_body(model, data)
    except DecodeError as exc:
        raise BadRequestError(str(exc)) from None


def read_query(request: web.Request, model: type[T]) -> T:
    """The query parameters as the operation's query model, or a 400 naming the parameter and the value."""
    _declaring(request, "query", model)
    try:
        return decode_params(model, request.query, "query parameter")
    except DecodeError as exc:
        raise BadRequestError(str(exc)) from None


def read_path(request: web.Request, model: type[T]) -> T:
    """The URL's parameters ({id}, ...) as the operation's path model, or a 400 naming the value."""
    _declaring(request, "path_params", model)
    try:
        return decode_params(model, request.match_info, "path parameter")
    except DecodeError as exc:
        raise BadRequestError(str(exc)) from None


def reply(
    request: web.Request, data: object, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A JSON answer with a status the operation declares (another status is a bug in the handler)."""
    operation = operation_of(request)
    if status not in operation.responses:
        raise RuntimeError(f"bug: {operation.method} {operation.path} answered {status}, which it does not declare")
    return web.json_response(data, status=status, headers=headers)


def _declaring(request: web.Request, part: str, model: type) -> Operation:
    operation = operation_of(request)
    declared = getattr(operation, part)
    if declared is not model:
        raise RuntimeError(
            f"bug: {operation.method} {operation.path} declares {part}={declared!r} but its handler reads {model!r}"
        )
    return operation

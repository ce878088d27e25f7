"""The OpenAPI 3.1 document, built from the operations the app's routes declare."""

from __future__ import annotations

import typing

from aiohttp import web

from edge.web.schema.endpoint import OPERATIONS, Access, Operation, Raw
from edge.web.schema.introspect import model_fields, without_none
from edge.web.schema.jsonschema import JsonSchema, SchemaBuilder

ERROR_SCHEMA: JsonSchema = {
    "type": "object",
    "description": "Every error of the API: a stable code for programs and a sentence for people.",
    "properties": {
        "error": {"type": "string", "description": "stable code, e.g. bad_request, not_found, printer_not_ready"},
        "message": {"type": "string", "description": "what was wrong, with the value given"},
    },
    "required": ["error", "message"],
}
SECURITY_SCHEMES: JsonSchema = {
    "ApiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key", "description": "an API key"},
    "Bearer": {"type": "http", "scheme": "bearer", "description": "an API key as `Authorization: Bearer <key>`"},
    "Session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "printedge_session",
        "description": "the owner's panel session (POST /api/v1/auth/login sets it)",
    },
    "CsrfToken": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRF-Token",
        "description": "the session's CSRF token: required with the session cookie on everything but GET",
    },
}
# Answers any operation may give, whatever it declares.
_RATE_LIMITED = "too many failed authentications from this address (`too_many_failures`); see Retry-After"
_BAD_CREDENTIAL = "a wrong, revoked or expired credential (`api_key_invalid`, `api_key_revoked`, `session_expired`)"
_NO_CREDENTIAL = "no API key and no session (`authentication_required`)"
_CSRF = "a cookie-authenticated change without the session's X-CSRF-Token (`csrf_token_missing`, `csrf_token_invalid`)"
_OWNER_ONLY = "an API key: only the owner's panel session may do this (`forbidden`)"
_BAD_REQUEST = "the request does not fit its model (`bad_request`); the message names the field and the value"
_NOT_FOUND = "nothing has this id (`not_found`)"
_TOO_LARGE = "a JSON body over 1 MiB (`request_too_large`)"


def build_document(app: web.Application, *, title: str, version: str, description: str) -> JsonSchema:
    """The OpenAPI 3.1 document of every route of the app that declares an operation."""
    builder = SchemaBuilder()
    paths: dict[str, dict[str, object]] = {}
    names: set[str] = set()
    for route in app.router.routes():
        operation = OPERATIONS.get(route.handler)
        if operation is None or route.method == "HEAD":
            continue
        if operation.name in names:
            raise ValueError(f"two operations are named {operation.name}: give one handler another name")
        names.add(operation.name)
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(operation, builder)
    components = {
        "schemas": {"Error": ERROR_SCHEMA, **dict(sorted(builder.components.items()))},
        "securitySchemes": SECURITY_SCHEMES,
    }
    tags = sorted({operation.tag for operation in OPERATIONS.values() if operation.path in paths})
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "tags": [{"name": tag} for tag in tags],
        "paths": paths,
        "components": components,
    }


def _operation(operation: Operation, builder: SchemaBuilder) -> JsonSchema:
    result: JsonSchema = {
        "operationId": operation.name,
        "tags": [operation.tag],
        "summary": operation.summary,
        "security": _security(operation),
    }
    if operation.description:
        result["description"] = operation.description
    parameters = _parameters(operation.path_params, "path", builder) + _parameters(operation.query, "query", builder)
    if parameters:
        result["parameters"] = parameters
    if operation.body is not None:
        schema = builder.schema(operation.body, request=True)
        result["requestBody"] = {
            "required": operation.body_required,
            "content": {"application/json": {"schema": schema}},
        }
    elif operation.raw_body is not None:
        result["requestBody"] = {"required": True, **_raw(operation.raw_body)}
    responses: dict[str, object] = {}
    for status, answer in sorted(operation.responses.items()):
        responses[str(status)] = _answer(status, answer, builder)
    for status, text in sorted(_errors(operation).items()):
        responses[str(status)] = _error(text, retry_after=status in (429, 503))
    result["responses"] = dict(sorted(responses.items()))
    return result


def _parameters(model: type | None, where: str, builder: SchemaBuilder) -> list[object]:
    if model is None:
        return []
    parameters: list[object] = []
    for field in model_fields(model):
        base, _ = without_none(field.type)
        parameter: JsonSchema = {
            "name": field.name,
            "in": where,
            "required": where == "path" or not field.has_default,
            "schema": builder.schema(base) | field.meta.json_schema(),
        }
        if field.meta.description:
            parameter["description"] = field.meta.description
        if typing.get_origin(base) is list:
            parameter |= {"style": "form", "explode": False}
        parameters.append(parameter)
    return parameters


def _answer(status: int, answer: object, builder: SchemaBuilder) -> JsonSchema:
    text = {200: "OK", 201: "created", 202: "accepted, not done yet", 204: "done; no body", 101: "switching protocols"}
    if answer is None:
        return {"description": text.get(status, "OK")}
    if isinstance(answer, Raw):
        return {"description": answer.description or text.get(status, "OK"), **_raw(answer)}
    return {
        "description": text.get(status, "OK"),
        "content": {"application/json": {"schema": builder.schema(answer)}},
    }


def _raw(raw: Raw) -> JsonSchema:
    content = {media: {"schema": dict(schema)} for media, schema in raw.content.items()}
    return {"description": raw.description, "content": content} if raw.description else {"content": content}


def _error(text: str, *, retry_after: bool) -> JsonSchema:
    answer: JsonSchema = {
        "description": text,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if retry_after:
        answer["headers"] = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "string"}}}
    return answer


def _errors(operation: Operation) -> dict[int, str]:
    """The operation's own errors and those every operation like it can give."""
    errors: dict[int, str] = {401: _BAD_CREDENTIAL, 429: _RATE_LIMITED}
    if operation.access is not Access.PUBLIC:
        errors[401] = f"{_NO_CREDENTIAL}, or {_BAD_CREDENTIAL}"
    if operation.access is not Access.PUBLIC and operation.method != "GET":
        errors[403] = _CSRF
    if operation.access is Access.OWNER_SESSION:
        errors[403] = f"{_OWNER_ONLY}; or {_CSRF}" if operation.method != "GET" else _OWNER_ONLY
    if operation.body is not None or operation.query is not None or operation.path_params is not None:
        errors[400] = _BAD_REQUEST
    if operation.body is not None:
        errors[413] = _TOO_LARGE
    if operation.path_params is not None:
        errors[404] = _NOT_FOUND
    for status, text in operation.errors.items():
        errors[status] = f"{text}; or {errors[status]}" if status in errors else text
    return errors


def _security(operation: Operation) -> list[dict[str, list[str]]]:
    change = operation.method != "GET"
    session: dict[str, list[str]] = {"Session": [], "CsrfToken": []} if change else {"Session": []}
    if operation.access is Access.PUBLIC:
        return []
    if operation.access is Access.OWNER_SESSION:
        return [session]
    return [{"ApiKey": []}, {"Bearer": []}, session]

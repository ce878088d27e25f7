"""What every handler needs: the typed app state and validated input taken from the request."""

from __future__ import annotations

import json
from collections.abc import Mapping

from aiohttp import web

from edge.auth.service import Authenticator
from edge.control.caller import Caller, CallerKind
from edge.services import Services
from edge.store.accounts import Session
from edge.web.errors import BadRequestError

SERVICES = web.AppKey("services", Services)
AUTH = web.AppKey("auth", Authenticator)
# Set by the security middleware: who sent the request, and the panel session when a cookie said so.
CALLER = web.RequestKey("caller", Caller)
SESSION = web.RequestKey("session", Session)

_MISSING = object()


def services(request: web.Request) -> Services:
    """The appliance's components."""
    return request.app[SERVICES]


def session(request: web.Request) -> Session | None:
    """The panel session the request came with, or None (an API key, or no credentials)."""
    if SESSION not in request:
        return None
    return request[SESSION]


def auth(request: web.Request) -> Authenticator:
    """The appliance's authentication."""
    return request.app[AUTH]


def caller(request: web.Request) -> Caller:
    """Who sent the request, as the security middleware resolved it (anonymous only for open reads)."""
    if CALLER in request:
        return request[CALLER]
    return Caller(CallerKind.ANONYMOUS, request.remote or "unknown")


async def optional_json_body(request: web.Request) -> dict[str, object]:
    """The request body as a JSON object, or {} when there is none."""
    if not request.can_read_body or not (await request.read()).strip():
        return {}
    return await json_body(request)


async def json_body(request: web.Request) -> dict[str, object]:
    """The request body as a JSON object, or a BadRequestError that shows what was wrong."""
    raw = await request.read()
    if not raw.strip():
        raise BadRequestError(f"{request.method} {request.path} needs a JSON object as the body; the body is empty")
    try:
        data = json.loads(raw)
    except UnicodeDecodeError as exc:
        raise BadRequestError(f"request body is not UTF-8 text (byte {exc.start}): {raw[:60]!r}") from None
    except json.JSONDecodeError as exc:
        raise BadRequestError(
            f"request body is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}): "
            f"{_clip(raw.decode('utf-8', 'replace'))!r}"
        ) from None
    if not isinstance(data, dict):
        raise BadRequestError(
            f'request body must be a JSON object like {{"field": ...}}, got {_kind(data)}: {_clip(data)!r}'
        )
    return data


def require_field(body: Mapping[str, object], name: str) -> object:
    """A field that must be present."""
    value = body.get(name, _MISSING)
    if value is _MISSING:
        keys = ", ".join(sorted(body)) or "none"
        raise BadRequestError(f'missing field "{name}" in the request body (fields given: {keys})')
    return value


def str_field(value: object, name: str) -> str:
    """A value that must be non-empty text."""
    if not isinstance(value, str):
        raise BadRequestError(f'field "{name}" must be text, got {_kind(value)} {_clip(value)!r}')
    if not value.strip():
        raise BadRequestError(f'field "{name}" must not be empty, got {value!r}')
    return value


def _kind(value: object) -> str:
    names = {
        dict: "an object",
        list: "a list",
        str: "text",
        bool: "a boolean",
        float: "a number",
        int: "a number",
    }
    if value is None:
        return "null"
    return names.get(type(value), type(value).__name__)


def _clip(value: object, limit: int = 60) -> object:
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + "..."
    if isinstance(value, dict | list):
        text = json.dumps(value)
        return text if len(text) <= limit else text[:limit] + "..."
    return value

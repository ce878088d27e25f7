"""Diagnostics for the panel: the log tail and the configuration in force (secrets redacted)."""

from __future__ import annotations

import dataclasses
import re

from aiohttp import web

from edge.core.log_ring import LogRing
from edge.web.context import query_int, services

routes = web.RouteTableDef()

LOGS = web.AppKey("logs", LogRing)
REDACTED = "***"
# Option names whose values are credentials; their values are never answered.
SECRET_NAME = re.compile(r"password|secret|token|api_?key|credential|private", re.IGNORECASE)


@routes.get("/api/v1/logs")
async def get_logs(request: web.Request) -> web.Response:
    """The newest log records after ?after=<seq> (at most ?limit=, default 200)."""
    ring = request.app[LOGS]
    after = query_int(request, "after", 0, 0, 2**62)
    limit = query_int(request, "limit", 200, 1, 1000)
    return web.json_response(
        {"last_seq": ring.last_seq, "entries": [entry.to_dict() for entry in ring.after(after, limit)]}
    )


@routes.get("/api/v1/config")
async def get_config(request: web.Request) -> web.Response:
    """The configuration in force, with every secret-looking value replaced by "***"."""
    return web.json_response(redacted(dataclasses.asdict(services(request).config)))


def redacted(value: object, name: str = "") -> object:
    """A copy of a JSON-ready value with the values of secret-looking keys replaced."""
    if isinstance(value, dict):
        return {key: redacted(item, str(key)) for key, item in value.items()}
    if name and SECRET_NAME.search(name) and value not in (None, "", []):
        return REDACTED
    if isinstance(value, list):
        return [redacted(item) for item in value]
    return value

"""Diagnostics for the panel: the log tail and the configuration in force (secrets redacted)."""

from __future__ import annotations

import dataclasses
import re

from aiohttp import web

from edge.core.log_ring import LogRing
from edge.web.context import services
from edge.web.models.panel import LogTail, TailQuery
from edge.web.schema import ApiRoutes, read_query, reply

api = ApiRoutes("system")
routes = api.routes

LOGS = web.AppKey("logs", LogRing)
REDACTED = "***"
# Option names whose values are credentials; their values are never answered.
SECRET_NAME = re.compile(r"password|secret|token|api_?key|credential|private", re.IGNORECASE)


@api.get("/api/v1/logs", query=TailQuery, responses={200: LogTail})
async def get_logs(request: web.Request) -> web.Response:
    """The newest log records after ?after=<seq> (at most ?limit=, default 200)."""
    ring = request.app[LOGS]
    query = read_query(request, TailQuery)
    entries = [entry.to_dict() for entry in ring.after(query.after, query.limit)]
    return reply(request, {"last_seq": ring.last_seq, "entries": entries})


@api.get("/api/v1/config", responses={200: dict[str, object]})
async def get_config(request: web.Request) -> web.Response:
    """The configuration in force, with every secret-looking value replaced by "***"."""
    return reply(request, redacted(dataclasses.asdict(services(request).config)))


def redacted(value: object, name: str = "") -> object:
    """A copy of a JSON-ready value with the values of secret-looking keys replaced."""
    if isinstance(value, dict):
        return {key: redacted(item, str(key)) for key, item in value.items()}
    if name and SECRET_NAME.search(name) and value not in (None, "", []):
        return REDACTED
    if isinstance(value, list):
        return [redacted(item) for item in value]
    return value

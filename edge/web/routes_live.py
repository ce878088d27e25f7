"""The live WebSocket: a snapshot of the appliance, then every event as it happens."""

from __future__ import annotations

from aiohttp import web

from edge.web.schema import ApiRoutes, Raw
from edge.web.ws import WEBSOCKETS

api = ApiRoutes("live")
routes = api.routes


@api.get(
    "/api/v1/ws",
    responses={101: Raw({}, "the WebSocket: JSON text messages with a `type` (snapshot, job_state, ...)")},
    errors={
        400: "not a WebSocket handshake (`bad_request`)",
        403: "a browser page of another origin (`origin_not_allowed`)",
    },
)
async def websocket(request: web.Request) -> web.StreamResponse:
    """Live state: one snapshot on connect, then every event; what clients send is ignored."""
    return await request.app[WEBSOCKETS].handle(request)

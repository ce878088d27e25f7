"""GET /api/version and /api/server: who answers (slicers refuse a host whose text does not start with OctoPrint)."""

from __future__ import annotations

from aiohttp import web

import edge

routes = web.RouteTableDef()

API_VERSION = "0.1"
# The OctoPrint release whose API this one follows.
SERVER_VERSION = "1.11.0"


@routes.get("/api/version")
async def get_version(request: web.Request) -> web.Response:
    """The API and server version; text begins with "OctoPrint" (PrusaSlicer checks that)."""
    return web.json_response(
        {
            "api": API_VERSION,
            "server": SERVER_VERSION,
            "text": f"OctoPrint {SERVER_VERSION} (PrintEdge {edge.__version__})",
        }
    )


@routes.get("/api/server")
async def get_server(request: web.Request) -> web.Response:
    """The server version and whether it runs in safe mode (never)."""
    return web.json_response({"version": SERVER_VERSION, "safemode": None})

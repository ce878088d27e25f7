"""GET /api/printerprofiles: the one printer profile, built from printer.machine."""

from __future__ import annotations

from aiohttp import web

from edge.core.errors import NotFoundError
from edge.web.context import services
from edge.web.octoprint.shapes import PROFILE_ID, printer_profile

routes = web.RouteTableDef()


@routes.get("/api/printerprofiles")
async def list_profiles(request: web.Request) -> web.Response:
    """Every printer profile: the one, "_default"."""
    profile = printer_profile(services(request).config, str(request.url.origin()))
    return web.json_response({"profiles": {PROFILE_ID: profile}})


@routes.get("/api/printerprofiles/{id}")
async def get_profile(request: web.Request) -> web.Response:
    """One printer profile; 404 for any id but "_default"."""
    ident = request.match_info["id"]
    if ident != PROFILE_ID:
        raise NotFoundError("printer profile", ident)
    return web.json_response(printer_profile(services(request).config, str(request.url.origin())))

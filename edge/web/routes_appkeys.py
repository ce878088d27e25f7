"""App pairing compatible with OctoPrint's application keys plugin (/plugin/appkeys/...)."""

from __future__ import annotations

from aiohttp import web

from edge.web.context import auth, json_body, require_field, str_field

routes = web.RouteTableDef()


@routes.get("/plugin/appkeys/probe")
async def probe(request: web.Request) -> web.Response:
    """204: this device pairs apps the OctoPrint way."""
    return web.Response(status=204)


@routes.post("/plugin/appkeys/request")
async def post_request(request: web.Request) -> web.Response:
    """An app asks for a key: 201, its token, and the URL it polls (Location)."""
    app = str_field(require_field(await json_body(request), "app"), "app")
    token = await auth(request).pairing.request(app)
    location = f"/plugin/appkeys/request/{token}"
    return web.json_response(
        {"app_token": token}, status=201, headers={"Location": str(request.url.with_path(location).with_query(None))}
    )


@routes.get("/plugin/appkeys/request/{app_token}")
async def poll_request(request: web.Request) -> web.Response:
    """202 while the owner decides, 200 with the key once approved, 404 once denied, expired or collected."""
    key = await auth(request).pairing.poll(request.match_info["app_token"])
    if key is None:
        return web.json_response({"state": "pending"}, status=202)
    return web.json_response({"api_key": key})

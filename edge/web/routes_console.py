"""The printer's recent past for the panel: firmware traffic (the terminal) and the temperature chart."""

from __future__ import annotations

from aiohttp import web

from edge.web.context import query_int, services

routes = web.RouteTableDef()


@routes.get("/api/v1/printer/console")
async def get_console(request: web.Request) -> web.Response:
    """Recent firmware traffic after ?after=<seq> (default: the newest ?limit= lines, at most 1000)."""
    console = services(request).link.console
    after = query_int(request, "after", 0, 0, 2**62)
    limit = query_int(request, "limit", 200, 1, 1000)
    lines = console.after(after, limit)
    return web.json_response({"last_seq": console.last_seq, "lines": [line.to_dict() for line in lines]})


@routes.get("/api/v1/printer/temperatures")
async def get_temperatures(request: web.Request) -> web.Response:
    """The last ten minutes of temperatures: samples of [time, hotend, hotend target, bed, bed target]."""
    return web.json_response({"samples": services(request).link.temperature_log.samples()})

"""The printer's recent past for the panel: firmware traffic (the terminal) and the temperature chart."""

from __future__ import annotations

from aiohttp import web

from edge.web.context import services
from edge.web.models.panel import ConsoleView, TailQuery, TemperatureHistory
from edge.web.schema import ApiRoutes, read_query, reply

api = ApiRoutes("printer")
routes = api.routes


@api.get("/api/v1/printer/console", query=TailQuery, responses={200: ConsoleView})
async def get_console(request: web.Request) -> web.Response:
    """Recent firmware traffic after ?after=<seq> (default: the newest ?limit= lines, at most 1000)."""
    console = services(request).link.console
    query = read_query(request, TailQuery)
    lines = console.after(query.after, query.limit)
    return reply(request, {"last_seq": console.last_seq, "lines": [line.to_dict() for line in lines]})


@api.get("/api/v1/printer/temperatures", responses={200: TemperatureHistory})
async def get_temperatures(request: web.Request) -> web.Response:
    """The last ten minutes of temperatures: samples of [time, hotend, hotend target, bed, bed target]."""
    return reply(request, {"samples": services(request).link.temperature_log.samples()})

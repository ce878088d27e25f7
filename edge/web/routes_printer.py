"""Printer endpoints: state, manual commands, emergency stop and reset — all through the control surface."""

from __future__ import annotations

import logging

from aiohttp import web

from edge.web.context import caller, json_body, optional_json_body, services, str_field
from edge.web.errors import BadRequestError

log = logging.getLogger("printedge.web")

routes = web.RouteTableDef()


@routes.get("/api/v1/printer")
async def get_printer(request: web.Request) -> web.Response:
    """The printer link's state, firmware profile, temperatures and statistics."""
    return web.json_response(services(request).link.status())


@routes.post("/api/v1/printer/command")
async def post_command(request: web.Request) -> web.Response:
    """Send one or more commands and wait until the printer acknowledged each."""
    commands = parse_commands(await json_body(request))
    sent = await services(request).control.send_gcode(caller(request), commands)
    return web.json_response({"ok": True, "sent": sent})


@routes.post("/api/v1/printer/emergency-stop")
async def post_emergency_stop(request: web.Request) -> web.Response:
    """M112 on the wire before anything else happens; the link halts until reset."""
    body = await optional_json_body(request)
    reason = str_field(body["reason"], "reason") if "reason" in body else ""
    result = await services(request).control.emergency_stop(caller(request), reason)
    return web.json_response({"ok": True} | result.to_dict())


@routes.post("/api/v1/printer/reset")
async def post_reset(request: web.Request) -> web.Response:
    """Reset the printer's board, reconnect the link and answer once it is ready (or after 15 s)."""
    return web.json_response(await services(request).control.reset(caller(request)))


def parse_commands(body: dict[str, object]) -> list[str]:
    """The commands of a body with "command" (one) or "commands" (a list), checked for shape."""
    if "command" in body and "commands" in body:
        raise BadRequestError('give either "command" (one command) or "commands" (a list), not both')
    if "command" in body:
        return [str_field(body["command"], "command")]
    if "commands" not in body:
        keys = ", ".join(sorted(body)) or "none"
        raise BadRequestError(f'missing field "command" or "commands" in the request body (fields given: {keys})')
    value = body["commands"]
    if not isinstance(value, list):
        raise BadRequestError(f'field "commands" must be a list of text, got {value!r}')
    if not value:
        raise BadRequestError('field "commands" must hold at least one command, got []')
    return [str_field(item, f"commands[{index}]") for index, item in enumerate(value)]

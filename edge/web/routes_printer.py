"""Printer endpoints: state, manual commands, emergency stop and reset — all through the control surface."""

from __future__ import annotations

import logging

from aiohttp import web

from edge.web.context import caller, services
from edge.web.models.printer import (
    CommandRequest,
    CommandsSent,
    EmergencyStopAnswer,
    EmergencyStopRequest,
    PrinterStatus,
)
from edge.web.schema import ApiRoutes, read_body, reply

log = logging.getLogger("printedge.web")

api = ApiRoutes("printer")
routes = api.routes

_NOT_READY = "the printer cannot take commands now (`printer_not_ready`, `link_error`, ...)"


@api.get("/api/v1/printer", responses={200: PrinterStatus})
async def get_printer(request: web.Request) -> web.Response:
    """The printer link's state, firmware profile, temperatures and statistics."""
    return reply(request, services(request).link.status())


@api.post(
    "/api/v1/printer/command",
    body=CommandRequest,
    responses={200: CommandsSent},
    errors={
        400: "the safety filter or the running job refused a command (`temperature_limit`, `command_not_allowed`, ...)",
        409: _NOT_READY,
        504: "the printer did not acknowledge within 30 minutes (`command_timeout`)",
    },
)
async def post_command(request: web.Request) -> web.Response:
    """Send one or more commands and wait until the printer acknowledged each.

    The whole batch is checked first: if one command is refused, none is sent.
    """
    commands = (await read_body(request, CommandRequest)).as_list()
    sent = await services(request).control.send_gcode(caller(request), commands)
    return reply(request, {"ok": True, "sent": sent})


@api.post(
    "/api/v1/printer/emergency-stop",
    body=EmergencyStopRequest,
    body_required=False,
    responses={200: EmergencyStopAnswer},
)
async def post_emergency_stop(request: web.Request) -> web.Response:
    """M112 on the wire before anything else happens; the link halts until reset."""
    body = await read_body(request, EmergencyStopRequest)
    result = await services(request).control.emergency_stop(caller(request), body.reason)
    return reply(request, {"ok": True} | result.to_dict())


@api.post(
    "/api/v1/printer/reset",
    responses={200: PrinterStatus},
    errors={409: "a job is running (`invalid_job_state`)"},
)
async def post_reset(request: web.Request) -> web.Response:
    """Reset the printer's board, reconnect the link and answer once it is ready (or after 15 s)."""
    return reply(request, await services(request).control.reset(caller(request)))

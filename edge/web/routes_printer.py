"""Printer endpoints: state, manual commands, emergency stop and reset."""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import web

from edge.web.context import json_body, services, str_field
from edge.web.errors import BadRequestError, CommandTimeoutError

log = logging.getLogger("printedge.web")

routes = web.RouteTableDef()

# Homing, heating and probing can take many minutes; the wait ends here at the latest.
COMMAND_TIMEOUT_S = 30 * 60.0
MAX_COMMANDS = 100
# How long a reset waits for the link to come back before answering with whatever state it is in.
RESET_WAIT_S = 15.0
ESTOP_SETTLE_S = 0.5


@routes.get("/api/v1/printer")
async def get_printer(request: web.Request) -> web.Response:
    """The printer link's state, firmware, temperatures and statistics."""
    return web.json_response(services(request).link.status())


@routes.post("/api/v1/printer/command")
async def post_command(request: web.Request) -> web.Response:
    """Send one or more commands and wait until the printer acknowledged each."""
    commands = _commands(await json_body(request))
    link = services(request).link
    # Check the whole batch first: one refused command means none of them is sent.
    checked = [link.safety.check(command.strip()) for command in commands]
    sent = 0
    for command in checked:
        try:
            await asyncio.wait_for(link.send(command), COMMAND_TIMEOUT_S)
        except TimeoutError:
            raise CommandTimeoutError(
                f"printer did not acknowledge {command!r} within {COMMAND_TIMEOUT_S:g} s "
                f"({sent} of {len(checked)} commands acknowledged)"
            ) from None
        sent += 1
    log.info("sent %d manual command(s): %s", sent, ", ".join(checked)[:200])
    return web.json_response({"ok": True, "sent": sent})


@routes.post("/api/v1/printer/emergency-stop")
async def post_emergency_stop(request: web.Request) -> web.Response:
    """M112 on the wire before anything else happens; the link halts until reset."""
    services(request).link.emergency_stop()
    log.warning("emergency stop requested by %s", request.remote)
    return web.json_response({"ok": True})


@routes.post("/api/v1/printer/reset")
async def post_reset(request: web.Request) -> web.Response:
    """Reset the (virtual) printer, reconnect the link and answer once it is ready (or after 15 s)."""
    svc = services(request)
    link = svc.link
    if link.estop_at is not None:
        # An M112 still on its way would halt the freshly reset printer again.
        settle = ESTOP_SETTLE_S - (time.monotonic() - link.estop_at)
        if settle > 0:
            await asyncio.sleep(settle)
    if svc.simulator is not None:
        svc.simulator.reset()
    await link.reset(RESET_WAIT_S)
    log.info("printer reset requested by %s: link is %s", request.remote, link.state.value)
    return web.json_response(link.status())


def _commands(body: dict[str, object]) -> list[str]:
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
    if len(value) > MAX_COMMANDS:
        raise BadRequestError(f'field "commands" holds {len(value)} commands; at most {MAX_COMMANDS} per request')
    return [str_field(item, f"commands[{index}]") for index, item in enumerate(value)]

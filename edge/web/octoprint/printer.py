"""/api/printer: state and temperatures, tool and bed commands, and G-code, all through the control surface."""

from __future__ import annotations

import re
from typing import NoReturn

from aiohttp import web

from edge.core.errors import CommandNotAllowedError
from edge.web.context import json_body, services
from edge.web.errors import BadRequestError
from edge.web.models.printer import CommandRequest
from edge.web.octoprint.body import (
    NotSupportedError,
    PrinterBusyError,
    command_body,
    fmt,
    form_true,
    number,
    require_operational,
)
from edge.web.octoprint.sending import send_gcode
from edge.web.octoprint.shapes import printer_state, temperatures
from edge.web.octoprint.state import TemperaturePoint, octoprint_state
from edge.web.schema.decode import DecodeError, decode_body

routes = web.RouteTableDef()

_TOOL = re.compile(r"tool(\d+)")
_EXCLUDABLE = frozenset({"temperature", "sd", "state"})
# OctoPrint's range for temperature offsets; PrintEdge supports only 0.
OFFSET_RANGE = 50.0
DEFAULT_EXTRUDE_SPEED = 300.0
HISTORY_LIMIT = 300


@routes.get("/api/printer")
async def get_printer(request: web.Request) -> web.Response:
    """Temperatures and state; ?exclude=temperature,sd,state leaves parts out, ?history=true adds the history."""
    svc = services(request)
    require_operational(svc)
    excluded = {part.strip() for part in request.query.get("exclude", "").split(",")} & _EXCLUDABLE
    result: dict[str, object] = {}
    if "temperature" not in excluded:
        history = _history(request) if form_true(request.query.get("history")) else None
        result["temperature"] = temperatures(svc.link, svc.config, history)
    if "state" not in excluded:
        result["state"] = printer_state(svc.link, svc.manager.runner)
    return web.json_response(result)


@routes.post("/api/printer/tool")
async def post_tool(request: web.Request) -> web.Response:
    """target (M104), offset (0 only), select (T<n>), extrude (relative G1 E, refused while printing)."""
    svc = services(request)
    require_operational(svc)
    command, body = await command_body(
        request, {"target": ("targets",), "offset": ("offsets",), "select": ("tool",), "extrude": ("amount",)}
    )
    extruders = svc.config.printer.machine.extruders
    if command == "target":
        targets = _per_tool(body, "targets", extruders)
        prefix = "M104 T{tool} S" if extruders > 1 else "M104 S"
        commands = [prefix.format(tool=tool) + fmt(_target(value, key)) for key, (tool, value) in targets.items()]
        await send_gcode(request, commands)
    elif command == "offset":
        for key, (_, value) in _per_tool(body, "offsets", extruders).items():
            _offset(value, key)
    elif command == "select":
        await send_gcode(request, [f"T{_tool_number(body.get('tool'), extruders)}"])
    else:
        await _extrude(request, body)
    return web.Response(status=204)


@routes.post("/api/printer/bed")
async def post_bed(request: web.Request) -> web.Response:
    """target (M140) or offset (0 only); 409 when the printer has no heated bed."""
    svc = services(request)
    require_operational(svc)
    if not svc.config.printer.machine.heated_bed:
        raise PrinterBusyError("Printer does not have a heated bed (printer.machine.heated_bed is false)")
    command, body = await command_body(request, {"target": ("target",), "offset": ("offset",)})
    if command == "target":
        await send_gcode(request, [f"M140 S{fmt(_target(body.get('target'), 'target'))}"])
    else:
        _offset(body.get("offset"), "offset")
    return web.Response(status=204)


@routes.post("/api/printer/command")
async def post_command(request: web.Request) -> web.Response:
    """One command ("command") or several ("commands"), checked by the safety filter and the policy first."""
    svc = services(request)
    require_operational(svc)
    body = await json_body(request)
    if "script" in body:
        raise NotSupportedError('G-code scripts are not supported; send the commands themselves in "commands"')
    await send_gcode(request, _commands(body))
    return web.Response(status=204)


def _commands(body: dict[str, object]) -> list[str]:
    """The "command" or "commands" of an OctoPrint body (other OctoPrint fields, such as "parameters", are ignored)."""
    fields = {name: value for name, value in body.items() if name in ("command", "commands")}
    try:
        return decode_body(CommandRequest, fields).as_list()
    except DecodeError as exc:
        raise BadRequestError(str(exc)) from None


def _history(request: web.Request) -> list[TemperaturePoint]:
    """The kept temperatures, the newest ?limit= of them (OctoPrint's default: 300)."""
    points = list(octoprint_state(request).history)
    limit = request.query.get("limit", "")
    count = int(limit) if limit.isdecimal() else HISTORY_LIMIT
    return points[-count:] if count else []


async def _extrude(request: web.Request, body: dict[str, object]) -> None:
    amount = number(body, "amount")
    speed = number(body, "speed", lo=1) if body.get("speed") is not None else DEFAULT_EXTRUDE_SPEED
    try:
        await send_gcode(request, ["G91", f"G1 E{fmt(amount)} F{fmt(speed)}", "G90"])
    except CommandNotAllowedError as exc:
        # The control policy refuses extrusion while a job prints; OctoPrint answers that case with a 409.
        raise PrinterBusyError(
            f"Printer is currently printing: extruding {amount:g} mm refused; {exc.message}"
        ) from None


def _per_tool(body: dict[str, object], field: str, extruders: int) -> dict[str, tuple[int, object]]:
    values = body.get(field)
    if not isinstance(values, dict) or not values:
        raise_bad(f'field "{field}" must be an object like {{"tool0": 200}}, got {values!r}')
    return {str(key): (_tool_number(key, extruders), value) for key, value in values.items()}


def _tool_number(name: object, extruders: int) -> int:
    match = _TOOL.fullmatch(name) if isinstance(name, str) else None
    if match is None:
        raise_bad(f"tool must be named like 'tool0', got {name!r}")
    tool = int(match.group(1))
    if tool >= extruders:
        raise_bad(f"tool {name!r} does not exist: this printer has {extruders} extruder(s) (printer.machine.extruders)")
    return tool


def _target(value: object, name: str) -> float:
    return number({name: value}, name, lo=0)


def _offset(value: object, name: str) -> None:
    offset = number({name: value}, name, lo=-OFFSET_RANGE, hi=OFFSET_RANGE)
    if offset != 0:
        raise NotSupportedError(
            f"temperature offsets are not supported (got {name} {offset:g}); set the target temperature instead"
        )


def raise_bad(message: str) -> NoReturn:
    """Raise a 400 with the message."""
    raise BadRequestError(message)

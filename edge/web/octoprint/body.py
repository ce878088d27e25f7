"""Request bodies as OctoPrint takes them: {"command": ..., <parameters>}, numbers, and form booleans."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from edge.core.errors import PrinterError, PrinterNotReadyError
from edge.printer.link import LinkState
from edge.services import Services
from edge.web.context import json_body
from edge.web.errors import BadRequestError

# OctoPrint's valid_boolean_trues, for form fields such as print=true.
TRUE_VALUES = frozenset({"true", "yes", "y", "1"})


class NotSupportedError(BadRequestError):
    """An OctoPrint request that PrintEdge does not carry out; the message says what to do instead."""

    code = "not_supported"


class PrinterBusyError(PrinterError):
    """What was asked does not fit the printer's state (OctoPrint answers these with 409)."""

    code = "printer_busy"


async def command_body(request: web.Request, valid: Mapping[str, tuple[str, ...]]) -> tuple[str, dict[str, object]]:
    """The command and the body of an OctoPrint command request, with the command's mandatory parameters present."""
    body = await json_body(request)
    command = body.get("command")
    if not isinstance(command, str) or command not in valid:
        known = ", ".join(sorted(valid))
        raise BadRequestError(f"unknown command {command!r} for {request.path} (known commands: {known})")
    missing = [name for name in valid[command] if name not in body]
    if missing:
        raise BadRequestError(f"command {command!r} needs the parameter(s) {', '.join(missing)}")
    return command, body


def number(body: Mapping[str, object], name: str, lo: float | None = None, hi: float | None = None) -> float:
    """A numeric field (true/false are not numbers), optionally within bounds."""
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRequestError(f'field "{name}" must be a number, got {value!r}')
    if lo is not None and value < lo:
        raise BadRequestError(f'field "{name}" must be at least {lo:g}, got {value!r}')
    if hi is not None and value > hi:
        raise BadRequestError(f'field "{name}" must be at most {hi:g}, got {value!r}')
    return float(value)


def form_true(value: str | None) -> bool:
    """Whether a form field says yes ("true", "yes", "y", "1"), as OctoPrint reads them."""
    return value is not None and value.strip().lower() in TRUE_VALUES


def require_operational(svc: Services) -> None:
    """OctoPrint's 409 'Printer is not operational' when the link cannot take commands."""
    link = svc.link
    if link.state is not LinkState.READY:
        raise PrinterNotReadyError(
            f"Printer is not operational: the printer link is {link.state.value} ({link.detail})"
        )


def fmt(value: float) -> str:
    """A number as G-code writes it: 200 rather than 200.0."""
    return f"{value:g}"

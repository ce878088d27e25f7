"""GET/POST /api/connection: the printer link as OctoPrint's connection (PrintEdge keeps it up by itself)."""

from __future__ import annotations

from aiohttp import web

from edge.printer.link import LinkState
from edge.services import Services
from edge.web.context import caller, services
from edge.web.errors import BadRequestError
from edge.web.octoprint.body import NotSupportedError, command_body
from edge.web.octoprint.shapes import PROFILE_ID, state_text

routes = web.RouteTableDef()

BAUDRATES = [115200, 250000, 500000, 1000000]
# Ports a client may name for "the printer": OctoPrint's automatic choices, besides the configured port.
AUTOMATIC_PORTS = frozenset({"AUTO", "VIRTUAL"})


@routes.get("/api/connection")
async def get_connection(request: web.Request) -> web.Response:
    """The link's state, port and speed, and the (single) choice of each."""
    svc = services(request)
    baud = svc.config.printer.baud
    connected = svc.link.state is not LinkState.DISCONNECTED
    return web.json_response(
        {
            "current": {
                "state": state_text(svc.link, svc.manager.runner),
                "port": svc.link.port if connected else None,
                "baudrate": baud if connected else None,
                "printerProfile": PROFILE_ID,
            },
            "options": {
                "ports": [svc.link.port],
                "baudrates": sorted({*BAUDRATES, baud}),
                "printerProfiles": [{"id": PROFILE_ID, "name": svc.config.device.name}],
                "portPreference": svc.link.port,
                "baudratePreference": baud,
                "printerProfilePreference": PROFILE_ID,
                "autoconnect": True,
            },
        }
    )


@routes.post("/api/connection")
async def post_connection(request: web.Request) -> web.Response:
    """connect: reconnect a link that is down (a reset, refused while a job runs); disconnect is not supported."""
    command, body = await command_body(request, {"connect": (), "disconnect": (), "fake_ack": ()})
    svc = services(request)
    if command != "connect":
        raise NotSupportedError(
            f"{command!r} is not supported: PrintEdge keeps the printer connected and reconnects by itself; "
            "to stop the printer at once use POST /api/v1/printer/emergency-stop"
        )
    _check_choices(svc, body)
    if svc.link.state is not LinkState.READY:
        await svc.control.reset(caller(request))
    return web.Response(status=204)


def _check_choices(svc: Services, body: dict[str, object]) -> None:
    """Refuse a port, speed or profile other than the configured ones, naming what was asked."""
    port = body.get("port")
    if port is not None and port not in AUTOMATIC_PORTS and port != svc.link.port:
        raise BadRequestError(
            f"port {port!r} is not this printer's; PrintEdge connects to {svc.link.port!r} (printer.port)"
        )
    baud = body.get("baudrate")
    if baud not in (None, 0, svc.config.printer.baud):
        raise BadRequestError(
            f"baudrate {baud!r} is not this printer's; PrintEdge connects at {svc.config.printer.baud} (printer.baud)"
        )
    profile = body.get("printerProfile")
    if profile not in (None, PROFILE_ID):
        raise BadRequestError(f"printer profile {profile!r} does not exist; the only profile is {PROFILE_ID!r}")

"""The OctoPrint-compatible API: what slicers, phone apps and Home Assistant use, over the control surface."""

from __future__ import annotations

from aiohttp import web

from edge.web.octoprint import connection, files, job, printer, profiles, settings, version
from edge.web.octoprint.state import OCTOPRINT, OctoPrintState, follow_temperatures


def setup(app: web.Application) -> None:
    """Add the OctoPrint routes and their state (selection, temperature history) to the app."""
    app[OCTOPRINT] = OctoPrintState()
    for module in (version, settings, connection, printer, job, files, profiles):
        app.add_routes(module.routes)
    # pyoctoprintapi (Home Assistant's client) joins its base URL and "/api/printer/bed" with a second slash;
    # OctoPrint's router merges the slashes, aiohttp's does not.
    app.router.add_post("//api/printer/bed", printer.post_bed)
    app.cleanup_ctx.append(follow_temperatures)

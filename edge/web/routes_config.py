"""Over-the-air configuration through the API: the owner uploads a signed document; anyone signed in reads the status."""

from __future__ import annotations

from aiohttp import web

from edge.config.ota_document import ConfigStatus, ConfigUpdater
from edge.web.context import services
from edge.web.errors import BadRequestError
from edge.web.models.config import ConfigReport, ConfigState
from edge.web.routes_auth import owner_session
from edge.web.schema import Access, ApiRoutes, Raw, reply

api = ApiRoutes("config")
routes = api.routes

DOCUMENT = Raw({"application/json": {"type": "object"}}, "a signed configuration document (docs/ota.md)")
STATUS_CODES = {ConfigStatus.APPLIED: 200, ConfigStatus.ROLLED_BACK: 200, ConfigStatus.PENDING: 202}


def _updates(request: web.Request) -> ConfigUpdater:
    updates = services(request).config_updates
    if updates is None:
        raise BadRequestError("over-the-air configuration is not available in this process")
    return updates


@api.post(
    "/api/v1/config",
    access=Access.OWNER_SESSION,
    raw_body=DOCUMENT,
    responses={200: ConfigReport, 202: ConfigReport, 422: ConfigReport},
    errors={403: "an API key: only the owner's panel session may change the configuration (`permission_denied`)"},
)
async def post_config(request: web.Request) -> web.Response:
    """Run a signed document through the OTA pipeline: 200 applied or rolled back, 202 pending, 422 rejected."""
    owner_session(request, "changing the configuration")
    report = await _updates(request).submit("api", await request.read())
    return reply(request, report.to_dict(), status=STATUS_CODES.get(report.status, 422))


@api.get("/api/v1/config/status", responses={200: ConfigState})
async def get_config_status(request: web.Request) -> web.Response:
    """The applied config version, the last report, and whether a document waits for the printer to be idle."""
    return reply(request, _updates(request).status())

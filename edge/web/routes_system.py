"""System endpoints: health of every component and the appliance's overall status."""

from __future__ import annotations

import time

from aiohttp import web

import edge
from edge.services import Services
from edge.store.audit import AuditEntry
from edge.web.context import services
from edge.web.models.system import AuditQuery, HealthReport, Status
from edge.web.schema import Access, ApiRoutes, read_query, reply

api = ApiRoutes("system")
routes = api.routes


def build_status(svc: Services) -> dict[str, object]:
    """The appliance at a glance: version, uptime, printer and queue (also the WebSocket snapshot)."""
    return {
        "version": edge.__version__,
        "uptime_s": round(time.time() - svc.started_at, 3),
        "device": svc.identity.to_dict() if svc.identity else {"id": None, "name": svc.config.device.name},
        "printer": svc.link.status(),
        "jobs": svc.manager.status(),
    }


def all_healthy(components: dict[str, object]) -> bool:
    """Whether every component reports {"ok": true}."""
    return all(isinstance(report, dict) and report.get("ok") is True for report in components.values())


@api.get("/health", access=Access.PUBLIC, responses={200: HealthReport, 503: HealthReport})
async def get_health(request: web.Request) -> web.Response:
    """200 when every component is healthy, else 503; the body says which is not and why."""
    components = services(request).health()
    ok = all_healthy(components)
    return reply(request, {"ok": ok, "components": components}, status=200 if ok else 503)


@api.get("/api/v1/health", responses={200: HealthReport})
async def get_api_health(request: web.Request) -> web.Response:
    """The same report as /health, always 200 (for the panel: an unhealthy part is news, not a failed request)."""
    components = services(request).health()
    return reply(request, {"ok": all_healthy(components), "components": components})


@api.get("/api/v1/status", responses={200: Status})
async def get_status(request: web.Request) -> web.Response:
    """Version, uptime, device name, printer and queue."""
    return reply(request, build_status(services(request)))


@api.get("/api/v1/audit", query=AuditQuery, responses={200: list[AuditEntry]})
async def get_audit(request: web.Request) -> web.Response:
    """Who asked for what, newest first; ?limit=, ?before=<id> to page, ?caller=<kind>, ?action=<name>."""
    query = read_query(request, AuditQuery)
    entries = await services(request).control.audit(
        limit=query.limit,
        before_id=query.before or None,
        caller_kind=None if query.caller is None else query.caller.value,
        action=query.action,
    )
    return reply(request, [entry.to_dict() for entry in entries])

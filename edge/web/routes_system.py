"""System endpoints: health of every component and the appliance's overall status."""

from __future__ import annotations

import time

from aiohttp import web

import edge
from edge.control.caller import CallerKind
from edge.services import Services
from edge.web.context import query_int, services
from edge.web.errors import BadRequestError

routes = web.RouteTableDef()


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


@routes.get("/health")
async def get_health(request: web.Request) -> web.Response:
    """200 when every component is healthy, else 503; the body says which is not and why."""
    components = services(request).health()
    ok = all_healthy(components)
    return web.json_response({"ok": ok, "components": components}, status=200 if ok else 503)


@routes.get("/api/v1/health")
async def get_api_health(request: web.Request) -> web.Response:
    """The same report as /health, always 200 (for the panel: an unhealthy part is news, not a failed request)."""
    components = services(request).health()
    return web.json_response({"ok": all_healthy(components), "components": components})


@routes.get("/api/v1/status")
async def get_status(request: web.Request) -> web.Response:
    """Version, uptime, device name, printer and queue."""
    return web.json_response(build_status(services(request)))


@routes.get("/api/v1/audit")
async def get_audit(request: web.Request) -> web.Response:
    """Who asked for what, newest first; ?limit=, ?before=<id> to page, ?caller=<kind>, ?action=<name>."""
    limit = query_int(request, "limit", 100, 1, 1000)
    before = query_int(request, "before", 0, 0, 2**62) or None
    kind = request.query.get("caller")
    if kind is not None and kind not in set(CallerKind):
        known = ", ".join(k.value for k in CallerKind)
        raise BadRequestError(f"unknown caller kind {kind!r} in ?caller= (known kinds: {known})")
    entries = await services(request).control.audit(
        limit=limit, before_id=before, caller_kind=request.query.get("caller"), action=request.query.get("action")
    )
    return web.json_response([entry.to_dict() for entry in entries])

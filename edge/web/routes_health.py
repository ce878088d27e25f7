"""Detailed health, one component's health, and the Prometheus metrics."""

from __future__ import annotations

import time

from aiohttp import web

import edge
from edge.core.errors import NotFoundError
from edge.web.context import services
from edge.web.models.health import METRICS, ComponentPath, ComponentReport, DetailedHealth
from edge.web.routes_system import all_healthy
from edge.web.schema import ApiRoutes, read_path, reply

api = ApiRoutes("system")
routes = api.routes


@api.get("/health/detailed", responses={200: DetailedHealth})
async def get_detailed_health(request: web.Request) -> web.Response:
    """Every component and check (disk, slicer, power) with the host's CPU, memory, disk, network and Pi figures."""
    svc = services(request)
    monitor = svc.require_monitor()
    components = svc.health()
    checks = {name: check.to_dict() for name, check in monitor.checks().items()}
    return reply(
        request,
        {
            "ok": all_healthy(components),
            "version": edge.__version__,
            "uptime_s": round(time.time() - svc.started_at, 3),
            "components": components | checks,
            "system": None if monitor.sample is None else monitor.sample.to_dict(),
        },
    )


@api.get(
    "/health/components/{name}",
    path_params=ComponentPath,
    responses={200: ComponentReport},
    errors={404: "no component or check of that name (`not_found`)"},
)
async def get_component_health(request: web.Request) -> web.Response:
    """One component's or check's health and, for a component, its status snapshot."""
    name = read_path(request, ComponentPath).name
    svc = services(request)
    monitor = svc.require_monitor()
    checks = monitor.checks()
    report = svc.health().get(name)
    if isinstance(report, dict):
        component = monitor.component(name)
        status = component.status() if component is not None and name not in checks else None
        body = {"name": name, "ok": report.get("ok") is True, "detail": str(report.get("detail", "")), "status": status}
        return reply(request, body)
    if name in checks:
        return reply(request, {"name": name, "ok": checks[name].ok, "detail": checks[name].detail, "status": None})
    known = ", ".join(sorted(set(svc.health()) | set(checks)))
    raise NotFoundError(f"component (known: {known})", name)


@api.get("/metrics", responses={200: METRICS})
async def get_metrics(request: web.Request) -> web.Response:
    """Prometheus metrics, read when scraped: temperatures, link counters, job, MQTT, components, host."""
    body = services(request).require_monitor().metrics()
    from prometheus_client import CONTENT_TYPE_LATEST  # loaded by the scrape above; not at start-up

    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

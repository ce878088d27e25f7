"""The web component: the HTTP API and the live WebSocket on config.api.host:config.api.port."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from edge.core.component import Health
from edge.services import Services
from edge.web import octoprint, routes_files, routes_jobs, routes_printer, routes_system
from edge.web.context import SERVICES
from edge.web.errors import error_middleware
from edge.web.ws import WebSocketHub

log = logging.getLogger("printedge.web")

WEBSOCKETS = web.AppKey("websockets", WebSocketHub)

# Handlers still running this long after stop() (a command waiting for the printer) are cancelled.
SHUTDOWN_TIMEOUT_S = 5.0
# Bodies read whole (JSON requests); uploads are streamed and limited by api.max_upload_mb instead.
MAX_JSON_BODY = 1024 * 1024


class WebServer:
    """Serves the REST API under /api/v1 and the WebSocket /api/v1/ws; built without I/O."""

    name = "web"

    def __init__(self, services: Services) -> None:
        self.services = services
        self.host = services.config.api.host
        self.port = 0
        self.hub = WebSocketHub(services)
        self.app = self._build_app()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """Base URL of the running server, e.g. http://127.0.0.1:8080."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Bind config.api.host:config.api.port (0 picks a free port) and start serving."""
        requested = self.services.config.api.port
        runner = web.AppRunner(
            self.app,
            shutdown_timeout=SHUTDOWN_TIMEOUT_S,
            access_log=logging.getLogger("printedge.web.access"),
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, requested)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise OSError(
                exc.errno,
                f"cannot listen on {self.host}:{requested}: {exc.strerror}; "
                "free the port or set api.port (0 picks a free one)",
            ) from exc
        self._runner = runner
        self.port = site.port
        log.info("API listening on %s", self.url)

    async def stop(self) -> None:
        """Close the WebSockets, then the listener and the remaining requests; safe to call twice."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        await self.hub.close_all()
        await runner.cleanup()
        log.info("API on %s stopped", self.url)

    def status(self) -> dict[str, object]:
        """JSON-ready snapshot."""
        return {
            "listening": self._runner is not None,
            "url": self.url if self._runner is not None else None,
            "websocket_clients": self.hub.count,
        }

    def health(self) -> Health:
        """Healthy while listening."""
        if self._runner is None:
            return Health(False, "not listening")
        return Health(True, f"listening on {self.url} ({self.hub.count} websocket clients)")

    def _build_app(self) -> web.Application:
        app = web.Application(middlewares=[error_middleware], client_max_size=MAX_JSON_BODY)
        app[SERVICES] = self.services
        app[WEBSOCKETS] = self.hub
        for module in (routes_system, routes_printer, routes_files, routes_jobs):
            app.add_routes(module.routes)
        octoprint.setup(app)
        app.router.add_get("/api/v1/ws", self.hub.handle)
        app.on_shutdown.append(_close_websockets)
        app.cleanup_ctx.append(_websocket_tasks)
        return app


async def _close_websockets(app: web.Application) -> None:
    """on_shutdown: close every WebSocket so the server does not wait for them."""
    await app[WEBSOCKETS].close_all()


async def _websocket_tasks(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the per-client sender tasks live no longer than the app."""
    yield
    await app[WEBSOCKETS].cancel_all()

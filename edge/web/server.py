"""The web component: the HTTP API and the live WebSocket on config.api.host:config.api.port."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from edge.auth.service import Authenticator
from edge.core.component import Health
from edge.core.errors import PrintEdgeError
from edge.core.log_ring import LogRing
from edge.services import Services
from edge.web import (
    octoprint,
    panel,
    routes_appkeys,
    routes_auth,
    routes_config,
    routes_console,
    routes_diagnostics,
    routes_docs,
    routes_files,
    routes_gpio,
    routes_health,
    routes_jobs,
    routes_live,
    routes_make,
    routes_octoprint_auth,
    routes_preview,
    routes_printer,
    routes_system,
    routes_urls,
)
from edge.web.context import AUTH, SERVICES
from edge.web.errors import error_middleware
from edge.web.security import add_security_headers, security_middleware
from edge.web.ws import WEBSOCKETS, WebSocketHub

log = logging.getLogger("printedge.web")

# Handlers still running this long after stop() (a command waiting for the printer) are cancelled.
SHUTDOWN_TIMEOUT_S = 5.0
# Bodies read whole (JSON requests); uploads are streamed and limited by api.max_upload_mb instead.
MAX_JSON_BODY = 1024 * 1024
# api.host values that mean every interface; "::" is one dual-stack socket (IPv4 too), "0.0.0.0" IPv4 only.
EVERY_INTERFACE = ("::", "0.0.0.0")


class WebServer:
    """Serves the REST API under /api/v1 and the WebSocket /api/v1/ws; built without I/O."""

    name = "web"

    def __init__(self, services: Services) -> None:
        self.services = services
        self.host = services.config.api.host
        self.port = 0
        self.hub = WebSocketHub(services)
        self.auth = Authenticator(
            services.db,
            services.config.auth,
            Path(services.config.device.data_dir).expanduser(),
            audit=services.control.audit_log,
        )
        self.logs = LogRing()
        self.panel = panel.PanelAssets()
        self.app = self._build_app()
        self._runner: web.AppRunner | None = None
        self._site: web.BaseSite | None = None
        self._problem = ""  # why the last rebind found no listener

    @property
    def url(self) -> str:
        """Base URL of the running server, e.g. http://127.0.0.1:8080 (loopback when bound to every interface)."""
        host = "127.0.0.1" if self.host in EVERY_INTERFACE else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Bind config.api.host:config.api.port (0 picks a free port) and start serving."""
        self.logs.attach(logging.getLogger("printedge"))
        await self.panel.load()
        try:
            await self.auth.start()
        except PrintEdgeError as exc:
            # The API still serves (health, and errors that say the store is down); sign-in needs the store.
            log.error("authentication cannot start: %s", exc.message)
        runner = web.AppRunner(
            self.app,
            shutdown_timeout=SHUTDOWN_TIMEOUT_S,
            access_log=logging.getLogger("printedge.web.access"),
        )
        await runner.setup()
        try:
            await self._listen(runner, self.host, self.services.config.api.port)
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner

    async def rebind(self) -> None:
        """Listen on a changed api.host/api.port (open connections finish); a port that cannot be bound is unhealthy."""
        api = self.services.config.api
        runner = self._runner
        if runner is None or (api.host == self.host and api.port in (0, self.port) and self._site is not None):
            return
        if self._site is not None:
            await self._site.stop()
            self._site = None
        self.host = api.host
        try:
            await self._listen(runner, api.host, api.port)
        except OSError as exc:
            self._problem = str(exc.strerror)
            log.error("API: %s", self._problem)

    async def _listen(self, runner: web.AppRunner, host: str, requested: int) -> None:
        site: web.BaseSite
        try:
            if host == "::":
                sock = dual_stack_socket(requested)
                port = int(sock.getsockname()[1])
                site = web.SockSite(runner, sock)
            else:
                site = web.TCPSite(runner, host, requested)
            await site.start()
        except OSError as exc:
            raise OSError(
                exc.errno,
                f"cannot listen on {host}:{requested}: {exc.strerror}; "
                "free the port or set api.port (0 picks a free one)",
            ) from exc
        self._site, self._problem = site, ""
        self.port = site.port if isinstance(site, web.TCPSite) else port
        where = {"::": " (every interface, IPv4 and IPv6)", "0.0.0.0": " (every IPv4 interface)"}
        log.info("API listening on %s%s", self.url, where.get(host, ""))

    async def stop(self) -> None:
        """Close the WebSockets, then the listener and the remaining requests; safe to call twice."""
        runner, self._runner, self._site = self._runner, None, None
        self.logs.detach()
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
        if self._runner is None or self._site is None:
            return Health(False, f"not listening{': ' + self._problem if self._problem else ''}")
        return Health(True, f"listening on {self.url} ({self.hub.count} websocket clients)")

    def _build_app(self) -> web.Application:
        app = web.Application(middlewares=[error_middleware, security_middleware], client_max_size=MAX_JSON_BODY)
        app[SERVICES] = self.services
        app[AUTH] = self.auth
        app[WEBSOCKETS] = self.hub
        app[panel.PANEL] = self.panel
        app[routes_diagnostics.LOGS] = self.logs
        app[routes_preview.PREVIEW_CACHE] = routes_preview.LayerIndexCache()
        modules = (
            panel,
            routes_system,
            routes_printer,
            routes_files,
            routes_make,
            routes_jobs,
            routes_auth,
            routes_appkeys,
            routes_octoprint_auth,
            routes_live,
            routes_docs,
            routes_console,
            routes_diagnostics,
            routes_preview,
            routes_health,
            routes_urls,
            routes_gpio,
            routes_config,
        )
        for module in modules:
            app.add_routes(module.routes)
        octoprint.setup(app)
        routes_docs.setup(app)
        app.on_response_prepare.append(add_security_headers)
        app.on_shutdown.append(_close_websockets)
        app.cleanup_ctx.append(_websocket_tasks)
        return app


def dual_stack_socket(port: int) -> socket.socket:
    """A listening-ready socket on every interface: IPv6 with IPv4 mapped in, or IPv4 alone without IPv6."""
    try:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    except OSError:
        return _bound(socket.socket(socket.AF_INET, socket.SOCK_STREAM), ("0.0.0.0", port))
    try:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        return _bound(sock, ("::", port))
    except OSError as exc:
        log.warning("cannot listen on IPv6 (%s); listening on IPv4 only", exc.strerror or exc)
        return _bound(socket.socket(socket.AF_INET, socket.SOCK_STREAM), ("0.0.0.0", port))


def _bound(sock: socket.socket, address: tuple[str, int]) -> socket.socket:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


async def _close_websockets(app: web.Application) -> None:
    """on_shutdown: close every WebSocket so the server does not wait for them."""
    await app[WEBSOCKETS].close_all()


async def _websocket_tasks(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the per-client sender tasks live no longer than the app."""
    yield
    await app[WEBSOCKETS].cancel_all()

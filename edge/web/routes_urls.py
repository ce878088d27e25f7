"""Where the device answers: its URLs, and the best one as a QR code for the panel (point a phone at it)."""

from __future__ import annotations

import asyncio
import io

from aiohttp import web

from edge.core.netaddr import reachable_addresses, url_of
from edge.web.context import services
from edge.web.models.health import QR_CODE, DeviceUrls
from edge.web.schema import ApiRoutes, reply

api = ApiRoutes("system")
routes = api.routes


async def device_urls(request: web.Request) -> dict[str, object]:
    """The best URL for a person (a LAN IPv4 when there is one), every URL, and the mDNS one when advertised."""
    svc = services(request)
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    port = int(sockname[1]) if sockname else (request.url.port or 80)
    addresses = await asyncio.to_thread(reachable_addresses, svc.config.api.host)
    urls = [url_of(address, port) for address in addresses] or [url_of(request.url.host or "127.0.0.1", port)]
    mdns = None
    discovery = svc.require_monitor().component("discovery")
    if discovery is not None:
        status = discovery.status()
        if status.get("services") and isinstance(status.get("hostname"), str):
            mdns = url_of(str(status["hostname"]), port)
    return {"url": urls[0], "urls": urls, "mdns": mdns}


@api.get("/api/v1/system/urls", responses={200: DeviceUrls})
async def get_urls(request: web.Request) -> web.Response:
    """The URLs the device answers on, best first (a LAN address before loopback), and its mDNS name."""
    return reply(request, await device_urls(request))


@api.get("/api/v1/system/qr.svg", responses={200: QR_CODE})
async def get_qr_code(request: web.Request) -> web.Response:
    """The device's LAN URL as a QR code (SVG), for a phone's camera."""
    url = str((await device_urls(request))["url"])
    out = io.BytesIO()
    import segno  # only when someone asks for the QR code

    segno.make(url, error="m").save(out, kind="svg", scale=4, border=2, title=url)
    return web.Response(body=out.getvalue(), content_type="image/svg+xml")

"""mDNS advertiser: _printedge, _http and _octoprint over TCP, so phones, browsers and slicers find the device."""

from __future__ import annotations

import asyncio
import ipaddress
import logging

from zeroconf import DNSQuestionType, InterfaceChoice, IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

import edge
from edge.config.schema import DiscoveryConfig
from edge.core.component import Health
from edge.core.netaddr import EVERY_INTERFACE, host_ipv4_addresses
from edge.core.tasks import TaskSupervisor
from edge.services import Services
from edge.web.octoprint.version import API_VERSION, SERVER_VERSION
from edge.web.server import WebServer

log = logging.getLogger("printedge.discovery")

PRINTEDGE_TYPE = "_printedge._tcp.local."
HTTP_TYPE = "_http._tcp.local."
OCTOPRINT_TYPE = "_octoprint._tcp.local."
API_PATH = "/api/v1"
# An instance name is one DNS label (at most 63 bytes); room is left for a " (2)" suffix.
MAX_NAME_BYTES = 50
MAX_RENAMES = 20
# How long to wait for another device to answer for a name before taking it.
NAME_CHECK_MS = 800


class Discovery:
    """Advertises the web server's bound port over mDNS and announces again when the host's addresses change."""

    name = "discovery"

    def __init__(self, config: DiscoveryConfig, services: Services, web: WebServer) -> None:
        self.config = config
        self.services = services
        self.web = web
        self.instance = ""  # the advertised name, once a conflict (if any) is resolved
        self.addresses: list[str] = []
        self._zeroconf: AsyncZeroconf | None = None
        self._infos: list[AsyncServiceInfo] = []
        self._problem = ""
        self._tasks = TaskSupervisor("discovery")

    @property
    def hostname(self) -> str:
        """The host name the services point at, e.g. pe-3f9a0c1b7d2e.local."""
        identity = self.services.identity
        return f"{identity.id if identity else 'printedge'}.local"

    async def start(self) -> None:
        """Open the mDNS sockets and announce in the background (probing for a free name takes a second or two)."""
        if not self.config.enabled:
            return
        if not self.web.port:
            self._problem = "the web server is not listening: there is nothing to advertise"
            return
        loopback = self.config.interfaces == "loopback"
        self._zeroconf = AsyncZeroconf(
            interfaces=["127.0.0.1"] if loopback else InterfaceChoice.All, ip_version=IPVersion.V4Only
        )
        self._tasks.spawn("discovery.announce", self._announce, restart=True)

    async def stop(self) -> None:
        """Say goodbye on the network (browsers see the device leave) and close the sockets; safe twice."""
        await self._tasks.cancel_all()
        zeroconf, self._zeroconf = self._zeroconf, None
        self._infos = []
        if zeroconf is not None:
            await zeroconf.async_close()  # unregisters every service first, with goodbye packets
            log.info("mDNS: %r no longer advertised", self.instance)

    def status(self) -> dict[str, object]:
        """JSON-ready snapshot: what is advertised, where."""
        return {
            "enabled": self.config.enabled,
            "instance": self.instance,
            "hostname": self.hostname,
            "addresses": self.addresses,
            "port": self.web.port,
            "services": [info.type for info in self._infos],
        }

    def health(self) -> Health:
        """Healthy while advertised, or announcing, or turned off on purpose."""
        if not self.config.enabled:
            return Health(True, "off (discovery.enabled is false)")
        if self._problem:
            return Health(False, self._problem)
        if not self._infos:
            return Health(True, "announcing" if self.addresses else "waiting for a network address")
        where = ", ".join(self.addresses)
        return Health(True, f"advertised as {self.instance!r} on {where} port {self.web.port} ({self.hostname})")

    async def _announce(self) -> None:
        """Register the services, then watch the host's addresses and announce every change."""
        while True:
            addresses = await asyncio.to_thread(self._current_addresses)
            if addresses and (addresses != self.addresses or not self._infos):
                self.addresses = addresses
                await (self._update() if self._infos else self._register())
            self.addresses = addresses
            await asyncio.sleep(self.config.address_poll_s)

    async def _register(self) -> None:
        zeroconf = self._require()
        base = self.config.name or self.services.config.device.name
        base = base.encode()[:MAX_NAME_BYTES].decode(errors="ignore").strip() or "PrintEdge"
        # A name another device answers for becomes "NAME (2)"; zeroconf's own check ("NAME-2") is the backstop.
        first = self._info(PRINTEDGE_TYPE, await self._free_name(zeroconf, base))
        await (await zeroconf.async_register_service(first, allow_name_change=True))
        self.instance = first.name.removesuffix("." + PRINTEDGE_TYPE)
        if self.instance != base:
            log.warning("mDNS: the name %r is taken on this network; advertised as %r", base, self.instance)
        others = [self._info(type_, self.instance) for type_ in (HTTP_TYPE, OCTOPRINT_TYPE)]
        probes = [await zeroconf.async_register_service(info, allow_name_change=True) for info in others]
        await asyncio.gather(*probes)
        self._infos = [first, *others]
        log.info("mDNS: advertised as %r on %s port %d", self.instance, ", ".join(self.addresses), self.web.port)

    async def _free_name(self, zeroconf: AsyncZeroconf, base: str) -> str:
        """The first of NAME, NAME (2), NAME (3), ... that no device on the network answers for."""
        for number in range(1, MAX_RENAMES + 1):
            candidate = base if number == 1 else f"{base} ({number})"
            taken = AsyncServiceInfo(PRINTEDGE_TYPE, f"{candidate}.{PRINTEDGE_TYPE}")
            # Asked over multicast (QM): every responder on the host hears it, and the answer comes back to all.
            if not await taken.async_request(zeroconf.zeroconf, NAME_CHECK_MS, question_type=DNSQuestionType.QM):
                return candidate
        return base

    async def _update(self) -> None:
        zeroconf = self._require()
        infos = [self._info(info.type, info.name.removesuffix("." + info.type)) for info in self._infos]
        for info in infos:
            await (await zeroconf.async_update_service(info))
        self._infos = infos
        log.info("mDNS: addresses changed to %s; announced again", ", ".join(self.addresses))

    def _info(self, type_: str, instance: str) -> AsyncServiceInfo:
        identity = self.services.identity
        device_id = identity.id if identity else ""
        properties: dict[str, str]
        if type_ == PRINTEDGE_TYPE:
            properties = {
                "id": device_id,
                "name": self.config.name or self.services.config.device.name,
                "version": edge.__version__,
                "api": API_PATH,
                "ip": self.addresses[0],
            }
        elif type_ == HTTP_TYPE:
            properties = {"path": "/"}
        else:  # as OctoPrint advertises itself
            properties = {"path": "/", "api": API_VERSION, "version": SERVER_VERSION, "uuid": device_id}
        return AsyncServiceInfo(
            type_,
            f"{instance}.{type_}",
            port=self.web.port,
            properties=properties,
            server=f"{self.hostname}.",
            parsed_addresses=self.addresses,
        )

    def _current_addresses(self) -> list[str]:
        """The IPv4 addresses to advertise (blocking: reads the interfaces)."""
        if self.config.interfaces == "loopback":
            return ["127.0.0.1"]
        if self.web.host not in EVERY_INTERFACE:
            return [self.web.host] if _is_ipv4(self.web.host) else []
        return host_ipv4_addresses()

    def _require(self) -> AsyncZeroconf:
        if self._zeroconf is None:
            raise RuntimeError("bug: discovery used before start() or after stop()")
        return self._zeroconf


def _is_ipv4(host: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(host), ipaddress.IPv4Address)
    except ValueError:
        return False

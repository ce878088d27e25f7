"""A separate process that browses mDNS on loopback and prints one JSON line per service that comes or goes."""

from __future__ import annotations

import asyncio
import json
import sys

from zeroconf import IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

TYPES = ["_printedge._tcp.local.", "_http._tcp.local.", "_octoprint._tcp.local."]


def emit(event: dict[str, object]) -> None:
    """One line of JSON on stdout."""
    print(json.dumps(event), flush=True)


async def resolve(zeroconf: Zeroconf, type_: str, name: str) -> None:
    """Ask for the service's records and print them."""
    info = AsyncServiceInfo(type_, name)
    if not await info.async_request(zeroconf, 3000):
        emit({"event": "unresolved", "type": type_, "name": name})
        return
    properties = {k.decode(): (v or b"").decode() for k, v in info.properties.items()}
    emit(
        {
            "event": "added",
            "type": type_,
            "name": name,
            "port": info.port,
            "server": info.server,
            "addresses": info.parsed_addresses(),
            "properties": properties,
        }
    )


async def main() -> None:
    """Browse until stdin closes."""
    azc = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    tasks: set[asyncio.Task[None]] = set()

    def changed(zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange) -> None:
        if state_change is ServiceStateChange.Added:
            task = asyncio.ensure_future(resolve(zeroconf, service_type, name))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        elif state_change is ServiceStateChange.Removed:
            emit({"event": "removed", "type": service_type, "name": name})

    browser = AsyncServiceBrowser(azc.zeroconf, TYPES, handlers=[changed])
    emit({"event": "browsing"})
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await browser.async_cancel()
    await azc.async_close()


if __name__ == "__main__":
    asyncio.run(main())

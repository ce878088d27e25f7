"""The host's IPv4 addresses and the URLs the device answers on (blocking reads: call them in a thread)."""

from __future__ import annotations

import ipaddress
import socket

import psutil

# api.host values that mean every interface.
EVERY_INTERFACE = ("::", "0.0.0.0")


def host_ipv4_addresses(*, loopback: bool = False) -> list[str]:
    """Every IPv4 address of the host's interfaces that are up, LAN first; loopback ones only when asked."""
    up = {name for name, stats in psutil.net_if_stats().items() if stats.isup}
    found: list[str] = []
    for name, addresses in sorted(psutil.net_if_addrs().items()):
        if name not in up:
            continue
        for address in addresses:
            if address.family != socket.AF_INET or address.address in found:
                continue
            if ipaddress.IPv4Address(address.address).is_loopback and not loopback:
                continue
            found.append(address.address)
    return sorted(found, key=_rank)


def reachable_addresses(bound_host: str) -> list[str]:
    """The IPv4 addresses a client can reach the API on, best first: the LAN ones, then loopback."""
    if bound_host not in EVERY_INTERFACE:
        return [bound_host]
    return host_ipv4_addresses(loopback=True)


def best_address(bound_host: str) -> str:
    """The address to show a person: a non-loopback IPv4 of the host if any, else the bound address."""
    addresses = reachable_addresses(bound_host)
    if addresses:
        return addresses[0]
    return "127.0.0.1" if bound_host in EVERY_INTERFACE else bound_host


def url_of(host: str, port: int) -> str:
    """http://host:port/ with IPv6 addresses in brackets."""
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def _rank(address: str) -> tuple[int, str]:
    ip = ipaddress.IPv4Address(address)
    if ip.is_loopback:
        return (3, address)
    if ip.is_link_local:
        return (2, address)
    return (0 if ip.is_private else 1, address)

"""Failed authentications per client address: too many within a window and the address must wait."""

from __future__ import annotations

import collections
import ipaddress
import math
import time
from collections.abc import Callable

from edge.auth.errors import TooManyFailuresError

# Addresses remembered at most: an attacker with many addresses must not grow memory without bound.
MAX_CLIENTS = 10_000


def client_of(address: str | None) -> str:
    """The unit that is limited: an IPv4 address, or an IPv6 /64 (one host can have a whole /64)."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class FailureLimiter:
    """At most max_failures failures per client within window_s; then refused until the oldest one ages out."""

    def __init__(self, max_failures: int, window_s: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._clock = clock
        self._failures: collections.OrderedDict[str, collections.deque[float]] = collections.OrderedDict()

    def check(self, address: str | None) -> None:
        """Refuse with TooManyFailuresError while this client is over the limit."""
        client = client_of(address)
        wait = self.retry_after(client)
        if wait > 0:
            raise TooManyFailuresError(
                f"too many failed authentications from {client} ({self.max_failures} within "
                f"{self.window_s:g} s, auth.max_failures); try again in {wait} s",
                wait,
            )

    def retry_after(self, client: str) -> int:
        """Whole seconds this client must wait (0: it may try now)."""
        times = self._recent(client)
        if times is None or len(times) < self.max_failures:
            return 0
        return max(1, math.ceil(times[0] + self.window_s - self._clock()))

    def fail(self, address: str | None) -> None:
        """Count one failure for this client."""
        client = client_of(address)
        times = self._recent(client)
        if times is None:
            times = self._failures[client] = collections.deque(maxlen=self.max_failures)
            while len(self._failures) > MAX_CLIENTS:
                self._failures.popitem(last=False)
        self._failures.move_to_end(client)
        times.append(self._clock())

    def _recent(self, client: str) -> collections.deque[float] | None:
        times = self._failures.get(client)
        if times is None:
            return None
        cutoff = self._clock() - self.window_s
        while times and times[0] <= cutoff:
            times.popleft()
        if not times:
            del self._failures[client]
            return None
        return times

"""The failure limiter: per client address, within a window, with the wait it asks for."""

from __future__ import annotations

import pytest

from edge.auth.errors import TooManyFailuresError
from edge.auth.ratelimit import MAX_CLIENTS, FailureLimiter, client_of


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_over_the_limit_waits_until_its_oldest_failure_ages_out() -> None:
    clock = Clock()
    limiter = FailureLimiter(3, 60.0, clock=clock)
    for _ in range(3):
        limiter.check("192.168.1.20")
        limiter.fail("192.168.1.20")
        clock.now += 10
    with pytest.raises(TooManyFailuresError) as caught:
        limiter.check("192.168.1.20")
    assert caught.value.retry_after_s == 30
    assert "192.168.1.20" in caught.value.message and "30 s" in caught.value.message
    limiter.check("192.168.1.21")  # another address is not affected
    clock.now += 30
    limiter.check("192.168.1.20")


def test_ipv6_clients_are_limited_per_64_and_mapped_ipv4_as_ipv4() -> None:
    assert client_of("2001:db8:1:2:aaaa::1") == client_of("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert client_of("::ffff:192.168.1.5") == "192.168.1.5"
    assert client_of(None) == "unknown"


def test_memory_stays_bounded_with_many_addresses() -> None:
    limiter = FailureLimiter(5, 60.0, clock=Clock())
    for index in range(MAX_CLIENTS + 50):
        limiter.fail(f"10.{index // 65536}.{index // 256 % 256}.{index % 256}")
    assert len(limiter._failures) == MAX_CLIENTS

"""Fixtures: virtual printers on real pseudo-terminals with a host on each, and a guard against blocking."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from blockbuster import blockbuster_ctx

from edge.printer.simulator import SimulatorSettings, VirtualPrinter
from tests.printer.simulator.simhost import Host


@pytest.fixture(autouse=True)
def no_blocking_in_simulator() -> Iterator[None]:
    """Fail any test in which the simulator makes a blocking call on the event loop."""
    with blockbuster_ctx(["edge.printer.simulator"]):
        yield


Start = Callable[..., Awaitable[tuple[VirtualPrinter, Host]]]


@pytest.fixture
async def start_printer(tmp_path: Path) -> AsyncIterator[Start]:
    """Start a virtual printer with the given settings and open a host on it; both closed afterwards."""
    printers: list[VirtualPrinter] = []
    hosts: list[Host] = []

    async def start(host_baud: int = 250000, link: bool = False, **settings: Any) -> tuple[VirtualPrinter, Host]:
        settings.setdefault("seed", 7)
        printer = VirtualPrinter(SimulatorSettings(**settings))
        printers.append(printer)
        path = await printer.start(tmp_path / "printer" if link else None)
        host = await Host.open(printer.port if link else path, host_baud)
        hosts.append(host)
        return printer, host

    yield start
    for host in hosts:
        await host.close()
    for printer in printers:
        await printer.stop()

"""Fixtures: a virtual printer on a real pseudo-terminal, and a link to it through the real serial stack."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from blockbuster import blockbuster_ctx

from edge.config.schema import PrinterConfig
from edge.core.events import EventBus
from edge.printer.link import PrinterLink
from edge.printer.simulator import SimulatorSettings, VirtualPrinter

SimFactory = Callable[..., Any]


@pytest.fixture
def no_blocking_in_edge() -> Iterator[None]:
    """Fail the test if edge code makes a blocking call on the event loop."""
    with blockbuster_ctx(["edge"]):
        yield


@pytest.fixture
async def make_printer(tmp_path: Path) -> AsyncIterator[SimFactory]:
    """Start virtual printers with the given settings; all are stopped after the test."""
    started: list[VirtualPrinter] = []

    async def make(**settings: Any) -> VirtualPrinter:
        defaults: dict[str, Any] = {"baud": 0, "latency_ms": 0.0, "time_scale": 0.0, "seed": 7}
        printer = VirtualPrinter(SimulatorSettings(**(defaults | settings)))
        await printer.start(tmp_path / f"printer{len(started)}")
        started.append(printer)
        return printer

    yield make
    for printer in started:
        await printer.stop()


@pytest.fixture
async def make_link() -> AsyncIterator[Callable[..., PrinterLink]]:
    """Links to a port with config overrides; all are closed after the test."""
    links: list[PrinterLink] = []

    def make(port: str, bus: EventBus | None = None, **overrides: Any) -> PrinterLink:
        config = PrinterConfig(**overrides)
        link = PrinterLink(config, bus or EventBus(), port=port)
        links.append(link)
        return link

    yield make
    for link in links:
        await link.stop()

"""Emergency stop with and without the firmware's emergency parser, and the reset that follows."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from edge.config.schema import PrinterConfig
from edge.core.errors import FirmwareHaltedError
from edge.core.events import EventBus
from edge.printer.link import LinkState, PrinterLink
from edge.printer.simulator import VirtualPrinter

from .conftest import SimFactory

MakeLink = Callable[..., PrinterLink]
pytestmark = pytest.mark.usefixtures("no_blocking_in_edge")


def with_reset(printer: VirtualPrinter, **config: object) -> PrinterLink:
    """A link whose hardware reset presses the virtual printer's reset button."""

    async def reset() -> None:
        printer.reset()

    return PrinterLink(PrinterConfig(**config), EventBus(), port=printer.port, reset=reset)  # type: ignore[arg-type]


async def until(predicate: Callable[[], bool], seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("not reached in time")


async def stream_moves(link: PrinterLink, count: int) -> list[asyncio.Future[None]]:
    return [await link.submit(f"G1 X{i % 100} Y{i % 50} F1200") for i in range(count)]


async def test_with_the_emergency_parser_m112_acts_as_it_arrives(make_printer: SimFactory, make_link: MakeLink) -> None:
    printer = await make_printer(baud=115200, latency_ms=2.0, time_scale=1.0)
    link = make_link(printer.port)
    await link.connect()
    assert link.profile.emergency_parser
    futures = await stream_moves(link, 40)
    await asyncio.sleep(0.2)
    result = link.emergency_stop()
    assert result.path == "emergency_parser" and not result.dtr_reset and result.dropped_lines > 0
    await until(lambda: printer.killed)
    outcomes = await asyncio.gather(*futures, return_exceptions=True)
    assert any(isinstance(o, FirmwareHaltedError) for o in outcomes)
    assert link.state is LinkState.HALTED


async def test_without_the_emergency_parser_the_link_stops_sending_and_m112_acts_when_read(
    make_printer: SimFactory, tmp_path: Path
) -> None:
    printer = await make_printer(baud=115200, latency_ms=2.0, time_scale=1.0, emergency_parser=False)
    link = with_reset(printer)
    try:
        await link.connect()
        assert not link.profile.emergency_parser
        await stream_moves(link, 40)
        await asyncio.sleep(0.2)
        result = link.emergency_stop()
        sent = link.stats.transmissions
        assert result.path == "m112_when_read" and not result.dtr_reset and result.dropped_lines > 0
        await until(lambda: printer.killed)
        assert link.stats.transmissions == sent, "nothing queued went out after the stop"
        assert link.state is LinkState.HALTED
        await asyncio.sleep(0.5)
        assert link.state is LinkState.HALTED, "halted until a person resets it"
    finally:
        await link.stop()


async def test_without_the_parser_a_configured_dtr_reset_also_resets_the_board(
    make_printer: SimFactory, tmp_path: Path
) -> None:
    printer = await make_printer(baud=115200, latency_ms=2.0, time_scale=1.0, emergency_parser=False)
    link = with_reset(printer, estop_dtr_reset=True)
    try:
        await link.connect()
        await stream_moves(link, 20)
        result = link.emergency_stop()
        assert result.path == "m112_when_read" and result.dtr_reset
        await until(lambda: printer.stats.resets >= 1)
        assert link.state is LinkState.HALTED
    finally:
        await link.stop()


async def test_reset_after_an_emergency_stop_brings_the_link_back(make_printer: SimFactory) -> None:
    printer = await make_printer()
    link = with_reset(printer, reconnect_max_backoff_s=0.5)
    try:
        await link.start()
        await until(lambda: link.state is LinkState.READY)
        link.emergency_stop()
        await until(lambda: printer.killed)
        await link.reset(10)
        assert link.state is LinkState.READY and not printer.killed
        await link.send("G28")
    finally:
        await link.stop()

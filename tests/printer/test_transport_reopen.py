"""Closing and reopening the serial port at once, as a printer reset does: the new connection stays open."""

from __future__ import annotations

import asyncio
import time

import pytest

from edge.printer import transport as transport_module
from edge.printer.transport import SerialTransport
from tests.printer.conftest import SimFactory


async def test_a_late_report_of_a_closed_port_does_not_drop_the_next_connection(
    make_printer: SimFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pyserial-asyncio-fast closes a port in a worker thread and reports the end afterwards. When that report came
    # after the port was opened again (a busy worker pool: a printer reset under load), it was taken for the loss of
    # the new connection, which was dropped unclosed: its port stayed locked ("another program has the port open")
    # until the service restarted. Schemathesis met it by stopping and resetting the printer over and over.
    original_close = transport_module._DirectSerial.close

    def slow_close(self: object) -> None:
        original_close(self)
        time.sleep(0.3)  # the report of the end is late; the port itself is closed

    monkeypatch.setattr(transport_module._DirectSerial, "close", slow_close)
    printer = await make_printer()
    lost: list[Exception | None] = []
    transport = SerialTransport(lambda line, at: None, lost.append)
    await transport.open(printer.port, 115200)
    await transport.close()
    await transport.open(printer.port, 115200)
    await asyncio.sleep(0.6)  # the late report has arrived
    try:
        assert transport.is_open, "the new connection is still open"
        assert lost == [], "closing on purpose is not a lost connection"
    finally:
        await transport.close()
    await transport.open(printer.port, 115200)  # and the port is not locked by a leaked connection
    await transport.close()

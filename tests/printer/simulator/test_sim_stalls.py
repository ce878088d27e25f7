"""Firmware stalls: a command's own time, replies written without a TX buffer, periodic stalls (LCD redraws)."""

from __future__ import annotations

import asyncio
from collections import deque
from itertools import pairwise

import pytest

from edge.gcode.text import frame
from tests.printer.simulator.conftest import Start
from tests.printer.simulator.simhost import Host

EVERY_STALL = {"command_time_ms": 1.0, "blocking_replies": True, "stall_every_ms": 40.0, "stall_ms": 30.0}


def long_move(number: int) -> bytes:
    """A framed G1 line of a realistic length (about 53 bytes)."""
    return frame(number, f"G1 X{100 + number % 7:.3f} Y{120 - number % 5:.3f} Z0.300 E{number * 0.01:.5f} F1800")


@pytest.mark.parametrize(("stalls", "overflows"), [(EVERY_STALL, True), ({}, False)])
async def test_host_that_writes_a_dozen_lines_at_once_overruns_rx_only_when_the_firmware_stalls(
    start_printer: Start, stalls: dict[str, float], overflows: bool
) -> None:
    printer, host = await start_printer(**stalls)
    await host.handshake()
    burst = b"".join(long_move(number) for number in range(1, 13))
    # 10 ms of free loop every 40 ms: any 21 ms of arrivals holds a 5.1 ms (128-byte) stretch in a stall.
    assert len(burst) * 10 / 250000 > 0.022
    host.write(burst)
    replies = await host.quiet(0.4)
    stats = printer.stats
    if overflows:
        assert stats.rx_overflows > 0
        # The next line merges with what is left of a damaged one: checksum error, resend.
        host.send(13, "M105")
        replies = await host.until(lambda text: text.startswith("Resend: "), wait=1.0)
        assert replies[-2].startswith("Error:")
        assert stats.line_errors > 0
    else:
        assert stats.rx_overflows == 0 and stats.line_errors == 0
        assert [line for line in replies if line.startswith("ok")] == [f"ok N{n} P{15 - n} B3" for n in range(1, 13)]


async def _counting_host(host: Host, lines: list[bytes], rx_buffer: int) -> list[str]:
    """Send lines so that the bytes not yet acknowledged never exceed rx_buffer; returns the oks."""
    in_flight: deque[int] = deque()
    oks: list[str] = []
    sent = 0
    while len(oks) < len(lines):
        while sent < len(lines) and sum(in_flight) + len(lines[sent]) <= rx_buffer:
            host.write(lines[sent])
            in_flight.append(len(lines[sent]))
            sent += 1
        reply = await host.line()
        if reply.startswith("ok"):
            oks.append(reply)
            in_flight.popleft()
    return oks


async def test_host_that_never_has_more_than_rx_buffer_bytes_in_flight_never_overruns_with_every_stall(
    start_printer: Start,
) -> None:
    printer, host = await start_printer(time_scale=0.01, rx_buffer=128, **EVERY_STALL)
    await host.handshake()
    lines = [long_move(number) if number % 3 else frame(number, "M105") for number in range(1, 121)]
    oks = await _counting_host(host, lines, 128)
    stats = printer.stats
    assert stats.stalls > 20 and stats.stall_time_s > 0.3
    assert stats.rx_overflows == 0 and stats.line_errors == 0
    assert [line.number for line in printer.executed] == list(range(121))
    assert len(oks) == 120


async def test_command_time_holds_the_firmware_inside_every_command(start_printer: Start) -> None:
    printer, host = await start_printer(command_time_ms=20.0)
    await host.quiet(0.1)
    before = printer.stats.stall_time_s
    host.write(b"".join(b"M117 step %d\n" % index for index in range(6)))
    first_ok = (await host.timed_line())[0]
    last_ok = [(await host.timed_line())[0] for _ in range(5)][-1]
    starts = [line.time for line in printer.executed[-6:]]
    assert [round(later - earlier, 6) for earlier, later in pairwise(starts)] == [0.02] * 5
    assert 0.08 < last_ok - first_ok < 0.15
    assert printer.stats.stall_time_s - before == pytest.approx(0.12, abs=1e-6)


@pytest.mark.parametrize("blocking", [True, False])
async def test_blocking_replies_stop_the_firmware_reading_while_it_writes(start_printer: Start, blocking: bool) -> None:
    printer, host = await start_printer(blocking_replies=blocking)
    await host.handshake()
    host.write(b"M115\n" + b"".join(frame(number, f"M117 after M115 line {number}") for number in range(1, 8)))
    await host.quiet(0.3)
    # M115 writes about 800 bytes (32 ms at 250000 baud); the 7 lines after it arrive within 8 ms.
    assert (printer.stats.rx_overflows > 0) is blocking


async def test_blocking_replies_hold_the_firmware_as_long_as_its_replies_take_on_the_wire(start_printer: Start) -> None:
    printer, host = await start_printer(blocking_replies=True)
    await host.handshake()
    stats = printer.stats
    held, written = stats.stall_time_s, stats.bytes_out
    for number in range(1, 21):
        host.send(number, "M105")
        await host.ok()
    assert stats.stall_time_s - held == pytest.approx((stats.bytes_out - written) * 10 / 250000, rel=0.01)


async def test_periodic_stalls_come_every_period_and_delay_answers(start_printer: Start) -> None:
    printer, host = await start_printer(stall_every_ms=100.0, stall_ms=40.0)
    await host.quiet(0.05)
    stalls, held = printer.stats.stalls, printer.stats.stall_time_s
    loop = asyncio.get_running_loop()
    started = loop.time()
    delays: list[float] = []
    for _ in range(40):
        sent = loop.time()
        host.write("M400")
        await host.ok()
        delays.append(loop.time() - sent)
        await asyncio.sleep(0.013)
    count = printer.stats.stalls - stalls
    assert abs(count - (loop.time() - started) / 0.1) <= 1.5
    assert printer.stats.stall_time_s - held == pytest.approx(count * 0.04, abs=1e-6)
    assert min(delays) < 0.01 and max(delays) > 0.02


async def test_emergency_parser_still_stops_the_printer_when_a_stall_has_filled_rx(start_printer: Start) -> None:
    printer, host = await start_printer(time_scale=1.0, stall_every_ms=200.0, stall_ms=150.0)
    await host.handshake()
    host.send(1, "G4 S5")
    host.write(b"".join(frame(number, f"G1 X{number} Y{number} F3000") for number in range(2, 14)))
    await asyncio.sleep(0.05)
    assert printer.stats.rx_overflows > 0
    loop = asyncio.get_running_loop()
    sent = loop.time()
    host.write("M112")
    reply_at, reply = await host.timed_line(wait=1.0)
    assert reply == "Error:Printer halted. kill() called!"
    # Acted on when the main loop runs again: at once, or at the end of the stall under way.
    assert reply_at - sent < 0.2
    assert printer.killed

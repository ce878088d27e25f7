"""Timing of the virtual printer: baud pacing both ways, RX overflow, planner underruns, throughput."""

from __future__ import annotations

import asyncio

from edge.gcode.text import frame
from tests.printer.simulator.conftest import Start
from tests.printer.simulator.simhost import Host


async def test_2000_bytes_at_19200_baud_take_at_least_1_04_s(start_printer: Start) -> None:
    _, host = await start_printer(baud=19200, latency_ms=2.0)
    await host.quiet(0.3)  # the banner takes a while at this speed
    lines = [f"M117 {index:02d}".ljust(49, "x") + "\n" for index in range(40)]
    data = "".join(lines).encode()
    assert len(data) == 2000
    loop = asyncio.get_running_loop()
    sent = loop.time()
    host.write(data)
    for _ in range(40):
        await host.ok(wait=3.0)
    elapsed = loop.time() - sent
    expected = 2000 * 10 / 19200  # 1.042 s; the last ok adds ~9 ms more
    # Never faster than the wire allows (a busy test machine may only make it slower).
    assert elapsed > expected * 0.97


async def test_replies_are_paced_to_the_baud_rate(start_printer: Start) -> None:
    _, host = await start_printer(baud=19200, latency_ms=2.0)
    await host.quiet(0.3)
    host.write("M115")
    first, _ = await host.timed_line()
    size = 0
    while True:
        last, text = await host.timed_line()
        size += len(text) + 1
        if text.startswith("ok"):
            break
    expected = size * 10 / 19200  # everything after the first line, at 1920 bytes per second
    assert size > 500
    assert expected * 0.85 < last - first < expected * 1.15 + 0.01


async def test_rx_overflow_when_host_floods_without_waiting(start_printer: Start) -> None:
    printer, host = await start_printer(time_scale=1.0, rx_buffer=128)
    await host.handshake()
    host.send(1, "G4 P300")  # while it dwells, nothing leaves the RX buffer
    flood = b"".join(frame(number, f"M117 line {number}") for number in range(2, 22))
    host.write(flood)
    await host.ok()  # the G4
    oks = await host.quiet(0.2)
    assert printer.stats.rx_overflows == len(flood) - 128
    executed = [line.number for line in printer.executed if line.number is not None]
    last = executed[-1]
    assert executed == list(range(last + 1)) and 2 < last < 21
    assert len(oks) == last - 1
    # The partial line left in the buffer merges with the next line: the checksum fails, resend follows.
    host.send(99, "M105")
    replies = await host.ok()
    assert replies[0].startswith("Error:") and replies[1] == f"Resend: {last + 1}"


async def _ping_pong(host: Host, moves: int) -> None:
    for number in range(1, moves + 1):
        host.send(number, f"G1 X{number % 2} F6000")  # 1 mm at 100 mm/s: 10 ms
        await host.ok()


async def _windowed(host: Host, moves: int, window: int) -> None:
    sent = acked = 0
    while acked < moves:
        while sent - acked < window and sent < moves:
            sent += 1
            host.send(sent, f"G1 X{sent % 2} F6000")
        if (await host.line()).startswith("ok"):
            acked += 1


async def test_ping_pong_host_on_a_slow_link_starves_the_planner(start_printer: Start) -> None:
    # 115200 baud and 5 ms latency: a round trip takes ~13 ms, longer than a 10 ms move.
    printer, host = await start_printer(baud=115200, latency_ms=5.0, time_scale=1.0)
    await host.handshake()
    await _ping_pong(host, 60)
    assert printer.stats.moves == 60
    assert printer.stats.underruns >= 55


async def test_host_that_keeps_the_planner_fed_causes_no_underrun(start_printer: Start) -> None:
    printer, host = await start_printer(baud=115200, latency_ms=5.0, time_scale=1.0)
    await host.handshake()
    await _windowed(host, 60, window=3)
    assert printer.stats.moves == 60
    assert printer.stats.underruns == 0
    assert printer.stats.rx_overflows == 0


async def test_synchronising_commands_between_moves_are_not_underruns(start_printer: Start) -> None:
    printer, host = await start_printer(baud=0, time_scale=0.01)
    await host.handshake()
    for number, command in enumerate(["G1 X10", "M400", "G1 X20", "G4 P1", "G1 X30", "G28", "G1 X5"], 1):
        host.send(number, command)
        await host.ok()
    assert printer.stats.moves == 4
    assert printer.stats.underruns == 0


async def test_an_unpaced_printer_executes_every_windowed_line(start_printer: Start) -> None:
    # Its speed is measured by `make bench` (host_cpu_unpaced.lines_per_s), not asserted here.
    printer, host = await start_printer(baud=0, latency_ms=0.0, time_scale=0.0)
    await host.handshake()
    await _windowed(host, 6000, window=3)
    assert printer.stats.commands_executed == 6001
    assert printer.stats.rx_overflows == 0

"""Fault injection: corrupted bytes both ways, lost oks, swallowed lines, errors without resend, busy."""

from __future__ import annotations

import asyncio
from collections import Counter

from tests.printer.simulator.conftest import Start


async def test_input_corruption_hits_about_the_configured_fraction_and_marks_lines(start_printer: Start) -> None:
    printer, host = await start_printer(baud=0, fault_rate_in=0.02, seed=3)
    await host.quiet(0.05)
    sent = [f"M117 message {index:04d}" for index in range(800)]
    for index in range(0, len(sent), 4):
        host.write("".join(line + "\n" for line in sent[index : index + 4]).encode())
        await host.quiet(0.002)
    await host.quiet(0.2)
    stats = printer.stats
    assert abs(stats.corrupted_in / stats.bytes_in - 0.02) < 0.005
    clean = set(sent)
    assert all(line.corrupted for line in printer.executed if line.command not in clean)
    damaged = [line for line in printer.executed if line.corrupted]
    assert damaged and stats.executed_corrupted == len(damaged)


async def test_output_corruption_hits_about_the_configured_fraction(start_printer: Start) -> None:
    printer, host = await start_printer(baud=0, fault_rate_out=0.01, seed=5)
    await host.quiet(0.05)
    printer.stats.bytes_out = printer.stats.corrupted_out = 0
    for _ in range(30):
        host.write("M115")
        await asyncio.sleep(0.01)
    received = await host.quiet(0.2)
    stats = printer.stats
    assert stats.bytes_out > 20000
    assert abs(stats.corrupted_out / stats.bytes_out - 0.01) < 0.003
    counts = Counter(received)
    garbled = sum(count for count in counts.values() if count < 5)  # a clean line arrives ~30 times
    assert garbled > stats.corrupted_out * 0.5


async def test_lose_ok_rate_drops_about_that_fraction_of_oks(start_printer: Start) -> None:
    printer, host = await start_printer(baud=0, lose_ok_rate=0.25, seed=11)
    await host.quiet(0.05)
    for _ in range(400):
        host.write("M400")
        await asyncio.sleep(0.0005)
    oks = [line for line in await host.quiet(0.2) if line.startswith("ok")]
    assert printer.stats.oks_lost + len(oks) == 400
    assert 60 < printer.stats.oks_lost < 140


async def test_swallowed_line_gets_no_answer_and_the_next_one_asks_for_it(start_printer: Start) -> None:
    printer, host = await start_printer()
    await host.handshake()
    printer.swallow_next_line()
    host.send(1, "G1 X1")
    assert await host.quiet(0.2) == []
    host.send(2, "G1 X2")
    assert await host.ok() == ["Error:Line Number is not Last Line Number+1, Last Line: 0", "Resend: 1", "ok"]
    host.send(1, "G1 X1")
    assert await host.ok() == ["ok N1 P14 B3"]
    assert printer.stats.lines_swallowed == 1


async def test_lost_ok_leaves_the_line_executed_but_unanswered(start_printer: Start) -> None:
    printer, host = await start_printer()
    await host.handshake()
    printer.lose_next_ok()
    host.send(1, "G1 X1")
    assert await host.quiet(0.2) == []
    assert printer.executed[-1].number == 1
    assert printer.stats.oks_lost == 1
    host.send(2, "G1 X2")  # the 40 ms move of line 1 is over
    assert await host.ok() == ["ok N2 P14 B3"]


async def test_error_without_resend_answers_only_the_error(start_printer: Start) -> None:
    printer, host = await start_printer()
    await host.handshake()
    printer.error_without_resend_next()
    host.send(1, "G1 X1")
    assert await host.line() == "Error:checksum mismatch, Last Line: 0"
    assert await host.quiet(0.2) == []
    assert printer.executed[-1].number == 0
    host.send(1, "G1 X1")
    assert await host.ok() == ["ok N1 P14 B3"]


async def test_injected_busy_blocks_the_next_command_with_keepalives(start_printer: Start) -> None:
    printer, host = await start_printer(busy_interval_s=0.3)
    await host.handshake()
    printer.inject_busy(0.7)
    loop = asyncio.get_running_loop()
    started = loop.time()
    host.send(1, "M105")
    replies = await host.ok(wait=3.0)
    assert replies == ["echo:busy: processing", "echo:busy: processing", "ok T:25.00 /0.00 B:25.00 /0.00 @:0 B@:0"]
    assert 0.7 <= loop.time() - started < 0.9

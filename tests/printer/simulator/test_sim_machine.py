"""The virtual machine: heaters, autoreport, busy keepalive, emergency stop, kill, reset, disconnect, log."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

from edge.gcode.text import frame
from edge.printer.simulator import ExecutedLine, SimulatorSettings, VirtualPrinter
from tests.printer.simulator.conftest import Start
from tests.printer.simulator.simhost import Host

TEMPERATURE_LINE = re.compile(r"^ T:\d+\.\d\d /200\.00 B:\d+\.\d\d /0\.00 @:0 B@:0$")


async def test_m109_waits_for_the_target_with_temperature_lines_and_busy(start_printer: Start) -> None:
    # time_scale 0.01: the hotend's 20 s time constant becomes 0.2 s; 25 -> 199 C takes about 1 s.
    printer, host = await start_printer(time_scale=0.01, busy_interval_s=0.4)
    await host.handshake()
    host.send(1, "M109 S200")
    replies = await host.ok(wait=5.0)
    assert replies[-1] == "ok N1 P15 B3"
    temperature_lines = [line for line in replies if TEMPERATURE_LINE.match(line)]
    assert len(temperature_lines) >= 2  # at once, then every second
    assert replies.count("echo:busy: processing") >= 2
    assert abs(printer.hotend.temperature - 200.0) <= 1.0
    assert printer.hotend.target == 200.0


async def test_m108_from_the_emergency_parser_ends_a_heating_wait(start_printer: Start) -> None:
    printer, host = await start_printer(time_scale=1.0)
    await host.handshake()
    host.send(1, "M190 S60")  # about 40 s at full scale
    await host.quiet(0.3)
    host.write("M108")
    replies = await host.ok()
    assert replies[-1] == "ok N1 P15 B3"
    assert printer.bed.temperature < 59.0


async def test_m104_and_m140_heat_without_waiting(start_printer: Start) -> None:
    _, host = await start_printer(time_scale=0.0)
    await host.handshake()
    host.send(1, "M104 S210")
    host.send(2, "M140 S60")
    await host.ok()
    await host.ok()
    host.send(3, "M105")
    assert await host.ok() == ["ok T:210.00 /210.00 B:60.00 /60.00 @:0 B@:0"]


async def test_m155_autoreports_temperatures_every_n_seconds(start_printer: Start) -> None:
    _, host = await start_printer()
    await host.handshake()
    host.send(1, "M155 S1")
    await host.ok()
    got = await host.quiet(1.15)
    assert got == [" T:25.00 /0.00 B:25.00 /0.00 @:0 B@:0"]
    host.send(2, "M155 S0")
    await host.ok()
    assert await host.quiet(1.1) == []


async def test_emergency_stop_with_a_full_queue_is_immediate_and_later_lines_are_ignored(
    start_printer: Start,
) -> None:
    printer, host = await start_printer(time_scale=1.0)
    await host.handshake()
    host.send(1, "G4 S10")  # blocks: everything after it piles up in the queue and the RX buffer
    host.write(b"".join(frame(number, f"G1 X{number} Y{number} F3000") for number in range(2, 14)))
    await asyncio.sleep(0.05)
    assert printer.stats.rx_overflows > 0  # the buffer is full: M112 itself cannot get into it
    loop = asyncio.get_running_loop()
    sent = loop.time()
    host.write("M112")
    reply_at, reply = await host.timed_line()
    assert reply == "Error:Printer halted. kill() called!"
    assert reply_at - sent < 0.05
    stop_at = printer.stats.emergency_stop_at
    assert stop_at is not None and 0.0 <= stop_at - sent < 0.02
    assert printer.killed
    host.send(14, "M105")
    host.write("M105")
    assert await host.quiet(0.3) == []
    assert [line.number for line in printer.executed] == [0, 1]


async def test_kill_halts_until_reset_and_reset_restarts_line_numbers(start_printer: Start) -> None:
    printer, host = await start_printer()
    await host.handshake()
    host.send(1, "M104 S200")
    await host.ok()
    printer.kill()
    assert await host.line() == "Error:Printer halted. kill() called!"
    host.send(2, "M105")
    assert await host.quiet(0.2) == []
    assert printer.hotend.target == 0.0
    printer.reset()
    banner = await host.until(lambda text: text.startswith("echo:Marlin"))
    assert banner == ["start", "echo:Marlin 2.1.2.1"]
    await host.quiet(0.05)
    host.send(1, "M105")  # line numbers expected from 0 again
    assert (await host.ok())[0].startswith("ok T:")
    assert printer.stats.kills == 1 and printer.stats.resets == 1


async def test_disconnect_makes_the_hosts_read_fail_and_reconnect_moves_the_link(start_printer: Start) -> None:
    printer, host = await start_printer(link=True)
    await host.handshake()
    old = os.readlink(printer.port)
    printer.disconnect()
    await asyncio.wait_for(host.closed.wait(), 2.0)
    assert host.error is not None
    assert not printer.connected
    new = await printer.reconnect()
    assert os.readlink(printer.port) == new
    assert printer.connected and old  # the old slave may be reused by the kernel; the link follows
    again = await Host.open(printer.port)
    try:
        await again.handshake()
        again.send(1, "M105")
        assert (await again.ok())[0].startswith("ok T:")
    finally:
        await again.close()
    assert printer.stats.resets == 1


async def test_idle_wait_quirk_sends_wait_every_second(start_printer: Start) -> None:
    _, host = await start_printer(idle_wait=True)
    await host.handshake()
    assert await host.quiet(1.1) == ["wait"]


async def test_executed_log_file_lists_every_command_with_its_number(tmp_path: Path) -> None:
    log_path = tmp_path / "executed.log"
    printer = VirtualPrinter(SimulatorSettings(executed_log=log_path, baud=0, time_scale=0.0))
    host = await Host.open(await printer.start())
    try:
        await host.handshake()
        host.send(1, "G1 X1")
        await host.ok()
        host.write("G1 X2")
        await host.ok()
        host.send(2, "M117 done")
        await host.ok()
    finally:
        await host.close()
        await printer.stop()
    assert log_path.read_text().splitlines() == ["0 M110 N0", "1 G1 X1", "- G1 X2", "2 M117 done"]
    assert ExecutedLine(None, "G1 X9", True, 0.0).log_line() == "- G1 X9\t#corrupted\n"

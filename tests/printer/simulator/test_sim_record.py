"""What the simulator records: fragments, unknown commands, the position before each command, what has finished."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from edge.config.schema import SimulatorConfig
from edge.gcode.text import checksum, frame
from edge.printer.simulator import ExecutedLine, SimulatorSettings, VirtualPrinter
from tests.printer.simulator.conftest import Start
from tests.printer.simulator.simhost import Host


async def _tail_after_line_error(host: Host) -> None:
    """A line error while line 3 is half received: its tail arrives after the drain and runs unnumbered."""
    baud = 2400
    bad = b"N2 G1 X1*0\n"
    body = "N3" + " " * 24 + "G1 X5 Y5"
    dwell_ms = round((len(bad) + 2 + 12) * 10 / baud * 1000)
    host.write(frame(1, f"G4 P{dwell_ms}") + bad + f"{body}*{checksum(body)}\n".encode())
    await host.ok()
    await host.ok()
    await host.ok()


async def test_tail_of_a_drained_line_is_marked_as_a_fragment(start_printer: Start) -> None:
    printer, host = await start_printer(baud=2400, latency_ms=0.0, time_scale=1.0)
    await host.handshake()
    await _tail_after_line_error(host)
    tail = printer.executed[-1]
    assert (tail.number, tail.command, tail.fragment, tail.corrupted) == (None, "G1 X5 Y5", True, False)
    host.write("G1 X7")  # an unnumbered command of the host's own
    await host.ok()
    assert not printer.executed[-1].fragment
    assert not any(line.fragment for line in printer.executed[:-2])


async def test_unknown_command_is_marked_and_known_ones_are_not(start_printer: Start) -> None:
    printer, host = await start_printer()
    await host.handshake()
    for number, command in enumerate(["M9999 S1", "T1", "M105"], 1):
        host.send(number, command)
        await host.ok()
    assert [(line.command, line.unknown) for line in printer.executed[1:]] == [
        ("M9999 S1", True),
        ("T1", False),  # answered "Invalid extruder", not "Unknown command"
        ("M105", False),
    ]


async def test_each_command_records_where_the_nozzle_was_before_it(start_printer: Start) -> None:
    printer, host = await start_printer(time_scale=0.0)
    await host.handshake()
    for number, command in enumerate(["G1 X10 Y5 Z0.2 E1", "G92 E0", "G1 X20 E2.5", "G2 X30 Y5 I5 E3"], 1):
        host.send(number, command)
        await host.ok()
    assert [line.before for line in printer.executed[1:]] == [
        (0.0, 0.0, 0.0, 0.0),
        (10.0, 5.0, 0.2, 1.0),
        (10.0, 5.0, 0.2, 0.0),
        (20.0, 5.0, 0.2, 2.5),
    ]


async def test_executed_log_marks_corrupted_fragment_and_unknown_lines(tmp_path: Path) -> None:
    log_path = tmp_path / "executed.log"
    printer = VirtualPrinter(SimulatorSettings(executed_log=log_path, baud=2400, latency_ms=0.0, time_scale=1.0))
    host = await Host.open(await printer.start())
    try:
        await host.handshake()
        await _tail_after_line_error(host)
        host.send(2, "M9999")
        await host.ok()
    finally:
        await host.close()
        await printer.stop()
    assert log_path.read_text().splitlines()[-2:] == ["- G1 X5 Y5\t#fragment", "2 M9999\t#unknown"]
    line = ExecutedLine(None, "X1", True, 0.0, fragment=True, unknown=True)
    assert line.log_line() == "- X1\t#corrupted\t#fragment\t#unknown\n"


async def _check_finished(printer: VirtualPrinter, ends: list[float]) -> None:
    """Sample finished_through() between the known end times of lines 1, 2, ... (from line 1's start)."""
    loop = asyncio.get_running_loop()
    start = printer.executed[1].time
    for offset in [0.05, *(end + 0.05 for end in ends)]:
        await asyncio.sleep(max(0.0, start + offset - loop.time()))
        now = loop.time() - start
        assert printer.finished_through() == sum(end <= now for end in ends), f"at {now:.3f} s"


async def test_finished_through_follows_moves_and_a_dwell_as_they_end(start_printer: Start) -> None:
    printer, host = await start_printer(time_scale=1.0)
    await host.handshake()
    # 0.1 s, 0.1 s, then a dwell that waits for both and lasts 0.2 s, then 0.1 s.
    host.write(frame(1, "G1 X10 F6000") + frame(2, "G1 X20") + frame(3, "G4 P200") + frame(4, "G1 X30"))
    await host.ok()
    assert printer.finished_through() == 0
    await _check_finished(printer, [0.1, 0.2, 0.4, 0.5])


async def test_finished_through_counts_a_move_waiting_for_a_planner_slot_as_unfinished(start_printer: Start) -> None:
    printer, host = await start_printer(time_scale=1.0, planner_buffer=3)  # two blocks
    await host.handshake()
    host.write(b"".join(frame(number, f"G1 X{number * 10} F6000") for number in range(1, 5)))
    await host.ok()
    # Line 3 waits for a slot until 0.1 s, line 4 (queued behind it) until 0.2 s.
    await _check_finished(printer, [0.1, 0.2, 0.3, 0.4])


async def test_finished_through_is_minus_one_before_any_numbered_command() -> None:
    printer = VirtualPrinter(SimulatorSettings(baud=0))
    await printer.start()
    try:
        assert printer.finished_through() == -1
    finally:
        await printer.stop()


async def test_memory_keeps_only_the_newest_executed_lines_and_the_file_keeps_all(tmp_path: Path) -> None:
    log_path = tmp_path / "executed.log"
    settings = SimulatorSettings(baud=0, time_scale=0.0, executed_memory=50, executed_log=log_path)
    printer = VirtualPrinter(settings)
    host = await Host.open(await printer.start())
    try:
        await host.handshake()
        for number in range(1, 201):
            host.send(number, f"M117 {number}")
            await host.ok()
        assert len(printer.executed) == 50
        assert [line.number for line in printer.executed[:2]] == [151, 152]
        assert printer.executed[-1].number == 200
        assert printer.stats.commands_executed == 201
    finally:
        await host.close()
        await printer.stop()
    assert len(log_path.read_text().splitlines()) == 201


def test_settings_from_config_bound_the_executed_memory() -> None:
    assert SimulatorSettings().executed_memory is None
    assert SimulatorSettings.from_config(SimulatorConfig()).executed_memory == 1000
    assert SimulatorSettings.from_config(SimulatorConfig(executed_memory_lines=7)).executed_memory == 7


@pytest.mark.parametrize("limit", [None, 3])
def test_executed_lines_behave_as_a_sequence(limit: int | None) -> None:
    printer = VirtualPrinter(SimulatorSettings(executed_memory=limit))
    for index in range(5):
        printer.executed.append(ExecutedLine(index, "G1", False, 0.0))
    kept = [line.number for line in printer.executed]
    assert kept == ([0, 1, 2, 3, 4] if limit is None else [2, 3, 4])
    assert [line.number for line in printer.executed[-2:]] == kept[-2:]
    assert printer.executed[0].number == kept[0]

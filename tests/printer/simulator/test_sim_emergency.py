"""M112, M108 and M410 with Marlin's emergency parser (as their bytes arrive) and without it (as they are read)."""

from __future__ import annotations

import asyncio

import pytest

from edge.gcode.text import frame
from tests.printer.simulator.conftest import Start

HALTED = "Error:Printer halted. kill() called!"


@pytest.mark.parametrize("parser", [True, False])
async def test_m115_reports_whether_the_emergency_parser_is_built_in(start_printer: Start, parser: bool) -> None:
    _, host = await start_printer(emergency_parser=parser)
    await host.handshake()
    host.send(1, "M115")
    assert f"Cap:EMERGENCY_PARSER:{int(parser)}" in await host.ok()


@pytest.mark.parametrize("parser", [True, False])
async def test_m112_during_a_dwell_halts_at_once_only_with_the_emergency_parser(
    start_printer: Start, parser: bool
) -> None:
    printer, host = await start_printer(time_scale=1.0, emergency_parser=parser)
    await host.handshake()
    loop = asyncio.get_running_loop()
    host.send(1, "G4 P600")
    await asyncio.sleep(0.1)
    host.write("M112")
    sent = loop.time()
    replies = await host.until(lambda text: text.startswith("Error:"), wait=2.0)
    stop_at = printer.stats.emergency_stop_at
    assert stop_at is not None and printer.killed
    if parser:
        assert replies == [HALTED]
        assert stop_at - sent < 0.02
    else:
        # Read from RX only when the dwell is over: the G4 finishes and answers first.
        assert replies == ["ok N1 P15 B3", HALTED]
        assert stop_at - printer.executed[1].time == pytest.approx(0.6, abs=0.001)


@pytest.mark.parametrize("parser", [True, False])
async def test_m112_during_m109_waits_for_the_heating_to_end_without_the_emergency_parser(
    start_printer: Start, parser: bool
) -> None:
    # time_scale 0.01: the hotend reaches 200 C in about a second.
    printer, host = await start_printer(time_scale=0.01, busy_interval_s=0.0, emergency_parser=parser)
    await host.handshake()
    host.send(1, "M109 S200")
    await asyncio.sleep(0.2)
    host.write("M112")
    replies = await host.until(lambda text: text.startswith("Error:"), wait=3.0)
    oks = [line for line in replies if line.startswith("ok")]
    assert replies[-1] == HALTED
    if parser:
        assert oks == [] and printer.hotend.temperature < 190.0
    else:
        assert oks == ["ok N1 P15 B3"]


@pytest.mark.parametrize("parser", [True, False])
async def test_m112_while_a_move_waits_for_a_planner_slot(start_printer: Start, parser: bool) -> None:
    printer, host = await start_printer(time_scale=1.0, emergency_parser=parser)
    await host.handshake()
    loop = asyncio.get_running_loop()
    for number in range(1, 17):  # 0.2 s each; the 16th waits for the first to finish
        host.send(number, f"G1 X{number % 2 * 4} F1200")
        await asyncio.sleep(0.002)
    await asyncio.sleep(0.05)
    host.write("M112")
    sent = loop.time()
    await host.until(lambda text: text == HALTED, wait=2.0)
    stop_at = printer.stats.emergency_stop_at
    assert stop_at is not None
    assert [line.number for line in printer.executed][-1] == 16
    if parser:
        assert stop_at - sent < 0.02
    else:
        # Read when the 16th move got its slot: as the first move ended.
        assert stop_at - printer.executed[1].time == pytest.approx(0.2, abs=0.001)


async def test_without_the_parser_an_unnumbered_m112_acts_as_read_before_commands_already_queued(
    start_printer: Start,
) -> None:
    printer, host = await start_printer(time_scale=1.0, emergency_parser=False)
    await host.handshake()
    host.write(frame(1, "G4 P300") + frame(2, "M117 two") + frame(3, "M117 three") + b"M112\n")
    assert await host.until(lambda text: text.startswith("Error:"), wait=2.0) == ["ok N1 P15 B3", HALTED]
    assert [line.number for line in printer.executed] == [0, 1]


async def test_without_the_parser_a_numbered_m112_runs_in_its_turn(start_printer: Start) -> None:
    printer, host = await start_printer(time_scale=1.0, emergency_parser=False)
    await host.handshake()
    host.write(frame(1, "G4 P300") + frame(2, "M117 two") + frame(3, "M112"))
    assert await host.until(lambda text: text.startswith("Error:"), wait=2.0) == [
        "ok N1 P15 B3",
        "ok N2 P15 B2",  # the M112 waits in the queue behind it
        HALTED,
    ]
    assert [line.number for line in printer.executed] == [0, 1, 2, 3]


async def test_without_the_parser_m108_cannot_end_a_heating_wait(start_printer: Start) -> None:
    printer, host = await start_printer(time_scale=1.0, emergency_parser=False)
    await host.handshake()
    host.send(1, "M190 S60")  # about 40 s at full scale
    await asyncio.sleep(0.2)
    host.write("M108")
    assert not [line for line in await host.quiet(0.5) if line.startswith("ok")]
    assert printer.bed.target == 60.0


async def test_without_the_parser_m410_drops_the_planned_moves_as_it_is_read(start_printer: Start) -> None:
    printer, host = await start_printer(time_scale=1.0, emergency_parser=False)
    await host.handshake()
    host.send(1, "G1 X100 F600")  # ten seconds
    assert await host.ok() == ["ok N1 P14 B3"]
    host.write("M410")
    assert await host.ok() == ["ok P15 B3"]
    assert printer.finished_through() == 1

"""The virtual printer's line protocol: banner, handshake, framing, errors and resends, as Marlin does it."""

from __future__ import annotations

import os
from pathlib import Path

from edge.config.schema import SimulatorConfig
from edge.gcode.text import checksum, frame
from edge.printer.simulator import SimulatorSettings, VirtualPrinter
from tests.printer.simulator.conftest import Start
from tests.printer.simulator.simhost import RawPort


async def test_startup_banner_begins_with_start_and_marlin_version() -> None:
    printer = VirtualPrinter(SimulatorSettings())
    path = await printer.start()
    port = RawPort(path)
    try:
        lines = (await port.read_until(b"Settings Loaded\n")).decode().splitlines()
    finally:
        port.close()
        await printer.stop()
    assert lines[0] == "start"
    assert lines[1] == "echo:Marlin 2.1.2.1"
    assert lines[2].startswith("echo: Last Updated:")


async def test_symlink_points_at_the_slave_and_is_removed_on_stop(tmp_path: Path) -> None:
    printer = VirtualPrinter(SimulatorSettings())
    link = tmp_path / "ttyVirtual"
    slave = await printer.start(link)
    assert printer.port == str(link)
    assert os.readlink(link) == slave
    await printer.stop()
    assert not link.is_symlink()


async def test_m110_resets_line_numbers_and_m115_lists_capabilities(start_printer: Start) -> None:
    printer, host = await start_printer()
    await host.handshake()
    assert printer.last_line_number == 0
    host.send(1, "M115")
    lines = await host.ok()
    assert lines[0].startswith("FIRMWARE_NAME:Marlin 2.1.2.1 (PrintEdge virtual printer) SOURCE_CODE_URL:")
    assert "EXTRUDER_COUNT:1 UUID:" in lines[0]
    caps = {line.split(":")[1]: line.split(":")[2] == "1" for line in lines if line.startswith("Cap:")}
    assert caps["AUTOREPORT_TEMP"] and caps["EMERGENCY_PARSER"] and caps["HOST_ACTION_COMMANDS"]
    assert caps["PRINT_JOB"] and not caps["PROGRESS"] and not caps["EEPROM"]
    assert lines[-1] == "ok N1 P15 B3"
    host.send(2, "M110 N100")
    assert await host.ok() == ["ok N2 P15 B3"]
    host.send(101, "M105")
    assert (await host.ok())[0].startswith("ok T:25.00 /0.00 B:25.00 /0.00")


async def test_capabilities_say_no_autoreport_when_it_is_off_and_m155_is_unknown(start_printer: Start) -> None:
    _, host = await start_printer(autoreport_temp=False)
    await host.handshake()
    host.send(1, "M115")
    assert "Cap:AUTOREPORT_TEMP:0" in await host.ok()
    host.send(2, "M155 S1")
    assert await host.ok() == ['echo:Unknown command: "M155 S1"', "ok N2 P15 B3"]


async def test_framed_lines_get_advanced_ok_with_line_planner_and_queue_fields(start_printer: Start) -> None:
    _, host = await start_printer()
    await host.handshake()
    for number in range(1, 4):
        host.send(number, f"G1 X{number * 100} F600")  # ten-second moves: they stay in the planner
        assert await host.ok() == [f"ok N{number} P{15 - number} B3"]


async def test_plain_ok_without_advanced_ok(start_printer: Start) -> None:
    _, host = await start_printer(advanced_ok=False)
    await host.handshake()
    host.send(1, "G1 X1")
    assert await host.ok() == ["ok"]


async def test_bad_checksum_gets_error_resend_and_ok_and_drains_rx(start_printer: Start) -> None:
    printer, host = await start_printer(time_scale=1.0)
    await host.handshake()
    host.send(1, "G4 P150")  # while it dwells, the next lines wait in the RX buffer
    host.write(b"N2 G1 X1*0\n" + frame(3, "G1 X2") + frame(4, "G1 X3"))
    assert await host.ok() == ["ok N1 P15 B3"]
    assert await host.ok() == ["Error:checksum mismatch, Last Line: 1", "Resend: 2", "ok"]
    assert await host.quiet(0.2) == []  # lines 3 and 4 were drained with the RX buffer: no answer at all
    assert [(line.number, line.command) for line in printer.executed] == [(0, "M110 N0"), (1, "G4 P150")]
    assert printer.stats.line_errors == 1
    assert printer.stats.resends_requested == 1


async def test_tail_of_a_drained_line_runs_unnumbered_after_a_line_error(start_printer: Start) -> None:
    baud = 2400
    printer, host = await start_printer(baud=baud, latency_ms=0.0, time_scale=1.0)
    await host.handshake()
    bad = b"N2 G1 X1*0\n"
    body = "N3" + " " * 24 + "G1 X5 Y5"
    tail_line = f"{body}*{checksum(body)}\n".encode()
    # Dwell until the middle of line 3's spaces has arrived: the error drains its head, the rest follows.
    dwell_ms = round((len(bad) + 2 + 12) * 10 / baud * 1000)
    host.write(frame(1, f"G4 P{dwell_ms}") + bad + tail_line)
    assert await host.ok() == ["ok N1 P15 B3"]
    assert await host.ok() == ["Error:checksum mismatch, Last Line: 1", "Resend: 2", "ok"]
    assert await host.ok() == ["ok P14 B3"]  # no N: the stray tail ran outside the sequence
    assert printer.executed[-1].number is None
    assert printer.executed[-1].command == "G1 X5 Y5"
    assert not printer.executed[-1].corrupted
    assert printer.position["x"] == 5.0


async def test_wrong_line_number_gets_error_and_resend(start_printer: Start) -> None:
    printer, host = await start_printer()
    await host.handshake()
    host.send(5, "G1 X1")
    assert await host.ok() == ["Error:Line Number is not Last Line Number+1, Last Line: 0", "Resend: 1", "ok"]
    host.send(1, "G1 X1")
    assert await host.ok() == ["ok N1 P14 B3"]
    host.send(1, "G1 X1")  # a line sent twice: Marlin answers with the line it wants next
    assert await host.ok() == ["Error:Line Number is not Last Line Number+1, Last Line: 1", "Resend: 2", "ok"]
    assert [line.number for line in printer.executed] == [0, 1]


async def test_numbered_line_without_checksum_gets_error(start_printer: Start) -> None:
    _, host = await start_printer()
    await host.handshake()
    host.write("N1 G1 X1")
    assert await host.ok() == ["Error:No Checksum with line number, Last Line: 0", "Resend: 1", "ok"]


async def test_unnumbered_command_runs_and_its_ok_has_no_line_number(start_printer: Start) -> None:
    printer, host = await start_printer()
    await host.handshake()
    host.write("G1 X1 Y2")
    assert await host.ok() == ["ok P14 B3"]
    host.write("G1 X3*99")  # an unnumbered line's checksum is ignored
    assert await host.ok() == ["ok P13 B3"]
    assert [(line.number, line.command) for line in printer.executed[1:]] == [(None, "G1 X1 Y2"), (None, "G1 X3")]
    assert printer.position == {"x": 3.0, "y": 2.0, "z": 0.0, "e": 0.0}


async def test_unknown_command_is_echoed_and_acknowledged(start_printer: Start) -> None:
    printer, host = await start_printer()
    await host.handshake()
    host.send(1, "M9999 S1")
    assert await host.ok() == ['echo:Unknown command: "M9999 S1"', "ok N1 P15 B3"]
    host.write("X10 Y5 E0.2")
    assert await host.ok() == ['echo:Unknown command: "X10 Y5 E0.2"', "ok P15 B3"]
    assert printer.stats.unknown_commands == 2


def _framed_of_length(number: int, length: int) -> bytes:
    """A framed M117 line of exactly `length` characters before its newline."""
    for pad in range(length):
        line = frame(number, "M117 " + "x" * pad)
        if len(line) - 1 == length:
            return line
    raise AssertionError(f"no framed line of {length} characters")


async def test_line_longer_than_max_line_length_gets_error(start_printer: Start) -> None:
    printer, host = await start_printer(max_line_length=96)
    await host.handshake()
    host.write(_framed_of_length(1, 95))  # MAX_CMD_SIZE 96 holds 95 characters and the terminator
    assert await host.ok() == ["ok N1 P15 B3"]
    host.write(_framed_of_length(2, 96))  # truncated: its checksum no longer matches
    replies = await host.ok()
    assert replies[0].startswith("Error:") and replies[1:] == ["Resend: 2", "ok"]
    host.send(2, "M117 " + "x" * 150)
    assert await host.ok() == ["Error:No Checksum with line number, Last Line: 1", "Resend: 2", "ok"]
    assert printer.stats.long_lines == 2
    assert [line.number for line in printer.executed] == [0, 1]


async def test_comment_is_ignored(start_printer: Start) -> None:
    printer, host = await start_printer()
    await host.handshake()
    host.write("M107 ; fan off")
    assert await host.ok() == ["ok P15 B3"]
    assert printer.executed[-1].command == "M107"


async def test_resend_without_ok_quirk(start_printer: Start) -> None:
    _, host = await start_printer(resend_without_ok=True)
    await host.handshake()
    host.send(3, "G1 X1")
    assert await host.until(lambda text: text.startswith("Resend")) == [
        "Error:Line Number is not Last Line Number+1, Last Line: 0",
        "Resend: 1",
    ]
    assert await host.quiet(0.1) == []


async def test_m105_m114_and_position_modes(start_printer: Start) -> None:
    printer, host = await start_printer()
    await host.handshake()
    for number, command in enumerate(["G1 X10 Y20 Z0.3 E1 F3000", "G91", "G1 X1 Y1 E0.5", "G90", "G92 E0"], 1):
        host.send(number, command)
        await host.ok()
    host.send(6, "M114")
    assert await host.ok() == ["X:11.00 Y:21.00 Z:0.30 E:0.00 Count X:880 Y:1680 Z:120", "ok N6 P13 B3"]
    host.send(7, "M105")
    assert await host.ok() == ["ok T:25.00 /0.00 B:25.00 /0.00 @:0 B@:0"]
    assert printer.feedrate == 3000.0


def test_settings_from_config_use_fault_rate_both_ways() -> None:
    cfg = SimulatorConfig(baud=115200, latency_ms=5.0, rx_buffer=64, command_buffer=8, fault_rate=0.01)
    settings = SimulatorSettings.from_config(cfg)
    assert settings.baud == 115200 and settings.latency_ms == 5.0
    assert settings.rx_buffer == 64 and settings.command_buffer == 8
    assert settings.fault_rate_in == settings.fault_rate_out == 0.01

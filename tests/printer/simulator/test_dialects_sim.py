"""The virtual printer speaks Marlin, Prusa, RepRapFirmware, Klipper and Repetier, raw lines on a real pty."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.cli import _parser
from edge.config.loader import load_config
from edge.core.errors import ConfigError
from edge.gcode.text import checksum, frame
from edge.printer.profile import Dialect, dialect_of
from edge.printer.protocol import FirmwareInfo, Ok, parse_reply
from edge.printer.simulator import SimulatorSettings
from tests.printer.simulator.conftest import Start
from tests.printer.simulator.simhost import Host

FAST = {"time_scale": 0.0, "advanced_ok": False}


def bad_checksum(number: int, command: str) -> bytes:
    """`N<n> <command>*<checksum + 1>`: a line damaged on the way."""
    body = f"N{number} {command}"
    return f"{body}*{(checksum(body) + 1) % 256}\n".encode()


async def firmware_name(host: Host, number: int) -> str:
    """Send M115 and return the FIRMWARE_NAME field of the answer."""
    host.send(number, "M115")
    reply = parse_reply((await host.until(lambda line: "FIRMWARE_NAME" in line))[-1])
    if isinstance(reply, FirmwareInfo):
        return reply.fields["FIRMWARE_NAME"]
    assert isinstance(reply, Ok) and reply.info is not None, reply
    return reply.info["FIRMWARE_NAME"]


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        ("marlin", Dialect.MARLIN),
        ("prusa", Dialect.PRUSA),
        ("reprapfirmware", Dialect.REPRAPFIRMWARE),
        ("klipper", Dialect.KLIPPER),
        ("repetier", Dialect.REPETIER),
    ],
)
async def test_m115_firmware_name_selects_the_links_dialect(
    start_printer: Start, dialect: str, expected: Dialect
) -> None:
    _, host = await start_printer(dialect=dialect, **FAST)
    await host.handshake()
    assert dialect_of(await firmware_name(host, 1)) is expected


def test_unknown_dialect_is_a_config_error_naming_the_value(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="sprinter") as caught:
        SimulatorSettings(dialect="sprinter")
    assert "marlin" in str(caught.value)
    config = tmp_path / "config.yaml"
    config.write_text("simulator:\n  dialect: smoothie\n")
    with pytest.raises(ConfigError, match="smoothie"):
        load_config(config)


# -- Prusa ----------------------------------------------------------------------------------------


async def test_prusa_plain_ok_and_m115_without_capabilities(start_printer: Start) -> None:
    _, host = await start_printer(dialect="prusa", **FAST)
    await host.handshake()
    host.send(1, "M115")
    lines = await host.ok()
    assert lines[0].startswith("FIRMWARE_NAME:Prusa-Firmware 3.5.1 based on Marlin FIRMWARE_URL:")
    assert lines[1:] == ["ok"]
    host.send(2, "G1 X1")
    assert await host.ok() == ["ok"]


async def test_prusa_line_errors_drain_and_ask_for_a_resend_with_ok(start_printer: Start) -> None:
    printer, host = await start_printer(dialect="prusa", **FAST)
    await host.handshake()
    host.write(bad_checksum(1, "G1 X5"))
    assert await host.ok() == ["Error:checksum mismatch, Last Line: 0", "Resend: 1", "ok"]
    host.send(3, "G1 X6")
    assert await host.ok() == ["Error:Line Number is not Last Line Number+1, Last Line: 0", "Resend: 1", "ok"]
    host.write("G1 X7*99")
    assert await host.ok() == ["Error:No Line Number with checksum, Last Line: 0", "Resend: 1", "ok"]
    assert printer.position["x"] == 0.0


async def test_prusa_m105_reports_one_decimal_and_t0(start_printer: Start) -> None:
    _, host = await start_printer(dialect="prusa", **FAST)
    await host.handshake()
    host.send(1, "M105")
    assert await host.ok() == ["ok T:25.0 /0.0 B:25.0 /0.0 T0:25.0 /0.0 @:0 B@:0"]


async def test_prusa_numbered_m112_halts_when_read(start_printer: Start) -> None:
    printer, host = await start_printer(dialect="prusa", **FAST)
    await host.handshake()
    host.write(frame(1, "M112"))
    assert await host.until(lambda line: "halted" in line) == ["Error:Printer halted. kill() called!"]
    assert printer.killed


async def test_prusa_sends_busy_keepalives(start_printer: Start) -> None:
    _, host = await start_printer(dialect="prusa", advanced_ok=False, busy_interval_s=0.1)
    await host.handshake()
    host.send(1, "G4 P350")
    lines = await host.ok()
    assert lines.count("echo:busy: processing") == 3 and lines[-1] == "ok"


# -- RepRapFirmware -------------------------------------------------------------------------------


async def test_rrf_drops_a_bad_checksum_silently_and_ignores_line_numbers(start_printer: Start) -> None:
    printer, host = await start_printer(dialect="reprapfirmware", **FAST)
    await host.handshake()
    host.write(bad_checksum(1, "G28"))
    assert await host.quiet(0.3) == []
    assert printer.stats.line_errors == 1
    host.send(7, "G28")  # out of sequence: runs all the same
    assert await host.ok() == ["ok"]
    assert [line.number for line in printer.executed] == [0, 7]


async def test_rrf_m115_m105_and_errors_in_marlin_mode(start_printer: Start) -> None:
    printer, host = await start_printer(dialect="reprapfirmware", **FAST)
    await host.handshake()
    host.send(1, "M115")
    lines = await host.ok()
    assert lines[0].startswith("FIRMWARE_NAME: RepRapFirmware for Duet 2 WiFi/Ethernet FIRMWARE_VERSION: 3.5.1 ")
    assert lines[1:] == ["ok"]
    host.send(2, "M105")
    assert await host.ok() == ["ok T:25.0 /0.0 B:25.0 /0.0"]
    host.send(3, "G1 X10")
    assert await host.ok() == ["Error: G0/G1: insufficient axes homed", "ok"]
    assert printer.position["x"] == 0.0
    host.send(4, "G28")
    host.send(5, "G1 X10")
    assert await host.ok() == ["ok"]
    assert await host.ok() == ["ok"]
    assert printer.position["x"] == 10.0


async def test_rrf_sends_no_keepalives_and_halts_on_m112(start_printer: Start) -> None:
    printer, host = await start_printer(dialect="reprapfirmware", advanced_ok=False, busy_interval_s=0.1)
    await host.handshake()
    host.send(1, "G4 P350")
    assert await host.ok() == ["ok"]
    host.send(2, "M112")
    assert await host.line() == "Emergency Stop! Reset the controller to continue."
    assert printer.killed


# -- Klipper --------------------------------------------------------------------------------------


async def test_klipper_neither_checks_checksums_nor_line_numbers(start_printer: Start) -> None:
    printer, host = await start_printer(dialect="klipper", **FAST)
    await host.handshake()
    host.write(bad_checksum(1, "G28"))
    assert await host.ok() == ["ok"]
    host.send(9, "G1 X3")
    assert await host.ok() == ["ok"]
    assert printer.stats.line_errors == 0 and printer.position["x"] == 3.0


async def test_klipper_m115_inside_the_ok_and_m105_bed_first(start_printer: Start) -> None:
    _, host = await start_printer(dialect="klipper", **FAST)
    await host.handshake()
    host.send(1, "M115")
    assert await host.ok() == ["ok FIRMWARE_NAME:Klipper FIRMWARE_VERSION:v0.12.0-0-gabcdef01"]
    host.send(2, "M105")
    assert await host.ok() == ["ok B:25.0 /0.0 T0:25.0 /0.0"]


async def test_klipper_refuses_moves_before_homing_with_an_ordinary_error(start_printer: Start) -> None:
    printer, host = await start_printer(dialect="klipper", **FAST)
    await host.handshake()
    host.send(1, "G1 X10 E1")
    assert await host.ok() == ["!! Must home axis first: 10.000 0.000 0.000 [1.000]", "ok"]
    assert printer.position == {"x": 0.0, "y": 0.0, "z": 0.0, "e": 0.0}
    assert not printer.killed
    host.send(2, "G28")
    assert await host.ok() == ["ok"]
    host.send(3, "G1 X10")
    assert await host.ok() == ["ok"]
    assert printer.position["x"] == 10.0


async def test_klipper_arcs_only_with_gcode_arcs(start_printer: Start) -> None:
    _, host = await start_printer(dialect="klipper", **FAST)
    await host.handshake()
    host.send(1, "G2 X10 Y0 I5 J0")
    assert await host.ok() == ['// Unknown command:"G2"', "ok"]
    printer, host = await start_printer(dialect="klipper", gcode_arcs=True, **FAST)
    await host.handshake()
    host.send(1, "G28")
    host.send(2, "G2 X10 Y0 I5 J0")  # a half circle of radius 5: 15.7 mm, 15 segments of gcode_arcs' 1 mm
    assert await host.ok() == ["ok"]
    assert await host.ok() == ["ok"]
    assert printer.stats.moves == 15
    assert printer.position["x"] == pytest.approx(10.0) and printer.position["y"] == pytest.approx(0.0, abs=1e-9)


async def test_klipper_m112_acts_out_of_band_and_later_commands_get_errors(start_printer: Start) -> None:
    printer, host = await start_printer(dialect="klipper", advanced_ok=False)
    await host.handshake()
    host.send(1, "G4 S5")  # the dwell is running when M112 arrives
    host.write("M112")
    assert await host.line(1.0) == "// Klipper state: Shutdown"
    assert await host.ok() == ["!! Shutdown due to M112 command", "ok"]  # the dwell ends with the error
    assert await host.ok() == ["ok"]  # the M112 line itself, run in its turn
    assert printer.stats.kills == 1 and not printer.killed
    host.send(2, "G28")
    assert await host.until(lambda line: line == "ok") == ["!! Shutdown due to M112 command", "ok"]


# -- Repetier -------------------------------------------------------------------------------------


async def test_repetier_acknowledges_on_receipt_with_the_line_number(start_printer: Start) -> None:
    _, host = await start_printer(dialect="repetier", command_buffer=2, advanced_ok=False)
    await host.handshake()
    host.send(1, "G4 P500")
    host.send(2, "M105")
    assert await host.line(0.3) == "ok 1"  # long before the dwell ends
    assert await host.line(0.3) == "ok 2"  # queued behind it (GCODE_BUFFER_SIZE 2)
    assert await host.line(1.0) == "T:25.00 B:25.00 @:0"  # M105 runs after the dwell, no ok of its own


async def test_repetier_resend_then_skip_for_lines_already_in_flight(start_printer: Start) -> None:
    printer, host = await start_printer(dialect="repetier", **FAST)
    await host.handshake()
    host.write(bad_checksum(1, "G1 X5"))
    assert await host.ok() == ["Error:Wrong checksum", "", "Resend:1", "ok"]
    host.send(2, "G1 X6")  # was in flight: skipped while the firmware waits for line 1
    assert await host.ok() == ["skip 2", "ok"]
    host.send(1, "G1 X5")
    assert await host.ok() == ["ok 1"]
    host.send(3, "G1 X7")
    assert await host.ok() == ["Error:expected line 2 got 3", "", "Resend:2", "ok"]
    assert printer.position["x"] == 5.0


async def test_repetier_m112_resets_the_board_and_idle_sends_wait(start_printer: Start) -> None:
    printer, host = await start_printer(dialect="repetier", **FAST)
    await host.handshake()
    assert await host.line(1.5) == "wait"
    host.send(1, "M112")
    assert await host.line() == "start"
    assert printer.stats.kills == 1 and printer.stats.resets == 1


def test_simulate_command_takes_a_dialect_and_refuses_an_unknown_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert _parser().parse_args(["simulate", "--link", "/tmp/p", "--dialect", "klipper"]).dialect == "klipper"
    assert _parser().parse_args(["simulate", "--link", "/tmp/p"]).dialect == "marlin"
    with pytest.raises(SystemExit):
        _parser().parse_args(["simulate", "--link", "/tmp/p", "--dialect", "sprinter"])
    assert "sprinter" in capsys.readouterr().err

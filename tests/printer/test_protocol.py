"""Parsing Marlin replies and framing lines."""

from __future__ import annotations

from edge.gcode.text import checksum, command_word, frame, params, strip_comment
from edge.printer import protocol as p


def test_frame_has_number_command_and_xor_checksum() -> None:
    data = frame(1, "G28")
    assert data == b"N1 G28*18\n"
    body = data.split(b"*")[0]
    assert checksum(body) == int(data.split(b"*")[1])


def test_strip_comment_removes_semicolon_and_paren_comments() -> None:
    assert strip_comment("G1 X1 ; move") == "G1 X1"
    assert strip_comment("G1 (inline) X1") == "G1  X1"
    assert strip_comment("; only a comment") == ""


def test_command_word_and_params() -> None:
    assert command_word("g01 x1") == "G1"
    assert command_word("M104 S200") == "M104"
    assert params("G1 X10 Y-2.5 F3000") == {"X": 10.0, "Y": -2.5, "F": 3000.0}


def test_plain_and_advanced_ok() -> None:
    assert p.parse_reply("ok") == p.Ok()
    assert p.parse_reply("ok N12 P15 B3") == p.Ok(number=12, planner_free=15, queue_free=3)


def test_ok_with_temperatures() -> None:
    reply = p.parse_reply("ok T:210.0 /210.0 B:60.0 /60.0 @:0 B@:0")
    assert isinstance(reply, p.Ok) and reply.number is None
    assert reply.temperatures == p.Temperatures(210.0, 210.0, 60.0, 60.0)


def test_resend_in_marlin_and_repetier_forms() -> None:
    assert p.parse_reply("Resend: 7") == p.Resend(7)
    assert p.parse_reply("Resend:N7") == p.Resend(7)
    assert p.parse_reply("rs N7") == p.Resend(7)


def test_line_errors_and_fatal_errors() -> None:
    err = p.parse_reply("Error:checksum mismatch, Last Line: 11")
    assert isinstance(err, p.FirmwareError) and err.line_error and not err.fatal
    err = p.parse_reply("Error:Line Number is not Last Line Number+1, Last Line: 11")
    assert isinstance(err, p.FirmwareError) and err.line_error
    halt = p.parse_reply("Error:Printer halted. kill() called!")
    assert isinstance(halt, p.FirmwareError) and halt.fatal
    bang = p.parse_reply("!! Thermal runaway")
    assert isinstance(bang, p.FirmwareError) and bang.fatal
    mintemp = p.parse_reply("Error:MINTEMP triggered")
    assert isinstance(mintemp, p.FirmwareError) and not mintemp.fatal and not mintemp.line_error


def test_busy_wait_start_and_actions() -> None:
    assert p.parse_reply("echo:busy: processing") == p.Busy("processing")
    assert p.parse_reply("busy: paused for user") == p.Busy("paused for user")
    assert p.parse_reply("wait") == p.Wait()
    assert p.parse_reply("start") == p.Start()
    assert p.parse_reply("//action:pause") == p.Action("pause", "")
    assert p.parse_reply("// action:notification Heating") == p.Action("notification", "Heating")


def test_firmware_info_and_capabilities() -> None:
    info = p.parse_reply("FIRMWARE_NAME:Marlin 2.1.2 (Github) SOURCE_CODE_URL:x PROTOCOL_VERSION:1.0 EXTRUDER_COUNT:1")
    assert isinstance(info, p.FirmwareInfo)
    assert info.fields["FIRMWARE_NAME"] == "Marlin 2.1.2 (Github)" and info.fields["EXTRUDER_COUNT"] == "1"
    assert p.parse_reply("Cap:AUTOREPORT_TEMP:1") == p.Capability("AUTOREPORT_TEMP", True)
    assert p.parse_reply("Cap:EEPROM:0") == p.Capability("EEPROM", False)


def test_autoreported_temperature_line() -> None:
    reply = p.parse_reply(" T:25.00 /0.00 B:24.00 /0.00 @:0 B@:0")
    assert reply == p.TemperatureLine(p.Temperatures(25.0, 0.0, 24.0, 0.0))


def test_unknown_command_echo_and_garbage() -> None:
    assert p.parse_reply('echo:Unknown command: "X10"') == p.Echo('Unknown command: "X10"', unknown_command=True)
    assert isinstance(p.parse_reply("o\x0b N3"), p.Unrecognized)

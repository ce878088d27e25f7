"""Marlin 2.x: line checks in queue.cpp, ADVANCED_OK, EMERGENCY_PARSER, busy keepalives, M155 autoreport."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from edge.printer.simulator.dialects.base import Dialect, checksum_ok, strtol

if TYPE_CHECKING:
    from edge.printer.simulator.firmware import Firmware

FIRMWARE_VERSION = "2.1.2.1"
ERR_LINE_NO = "Line Number is not Last Line Number+1"
ERR_CHECKSUM = "checksum mismatch"
ERR_NO_CHECKSUM = "No Checksum with line number"


def checksum_problem(line: bytes) -> str | None:
    """Marlin's error for a numbered line's checksum: missing or wrong; None when it is right."""
    valid = checksum_ok(line)
    if valid is None:
        return ERR_NO_CHECKSUM
    return None if valid else ERR_CHECKSUM


_CRITICAL = (b"108", b"112", b"410")  # acted on as read from RX when the firmware has no emergency parser
_CAPABILITIES = (
    "SERIAL_XON_XOFF:0", "BINARY_FILE_TRANSFER:0", "EEPROM:0", "VOLUMETRIC:0", "AUTOREPORT_POS:0",
    "AUTOREPORT_TEMP:{autoreport}", "PROGRESS:0", "PRINT_JOB:1", "AUTOLEVEL:0", "RUNOUT:0", "Z_PROBE:0",
    "LEVELING_DATA:0", "BUILD_PERCENT:0", "SOFTWARE_POWER:0", "TOGGLE_LIGHTS:0", "CASE_LIGHT_BRIGHTNESS:0",
    "EMERGENCY_PARSER:{emergency_parser}", "HOST_ACTION_COMMANDS:1", "PROMPT_SUPPORT:0", "SDCARD:0",
    "AUTOREPORT_SD_STATUS:0", "LONG_FILENAME:0", "THERMAL_PROTECTION:1", "MOTION_MODES:0", "ARCS:1",
    "BABYSTEPPING:0", "CHAMBER_TEMPERATURE:0", "MEATPACK:0",
)  # fmt: skip


class Marlin(Dialect):
    """Marlin 2.1 as configured by the simulator's settings."""

    name: ClassVar[str] = "marlin"
    busy_keepalive: ClassVar[bool] = True

    def banner(self, fw: Firmware) -> list[str]:
        """Marlin's boot lines."""
        return [
            "start",
            f"echo:Marlin {FIRMWARE_VERSION}",
            "echo: Last Updated: 2023-07-13 | Author: (PrintEdge virtual printer)",
            "echo:Compiled: Jul 13 2023",
            f"echo: Free Memory: 2048  PlannerBufferBytes: {fw.planner.capacity * 76}",
            "echo:Hardcoded Default Settings Loaded",
        ]

    def scans_input(self) -> bool:
        """EMERGENCY_PARSER watches every received byte."""
        return self.settings.emergency_parser

    def accept(self, fw: Firmware, line: bytes, damaged: bool, fragment: bool) -> bool:
        """queue.cpp get_serial_commands(): N sequence, checksum, then "process critical commands early"."""
        number = None
        if line[:1] == b"N":
            m110 = b"M110" in line
            second = line.find(b"N", 4) if m110 else -1
            gcode_n = strtol(line, (second if second >= 0 else 0) + 1)
            if gcode_n != fw.last_n + 1 and not m110:
                return fw.line_error(ERR_LINE_NO)
            problem = checksum_problem(line)
            if problem is not None:
                return fw.line_error(problem)
            fw.last_n = gcode_n
            number = strtol(line, 1)
        elif line[:1] == b"M" and line[1:4] in _CRITICAL and not self.settings.emergency_parser:
            if line[1:4] == b"112" and fw.stats.emergency_stop_at is None:
                fw.stats.emergency_stop_at = fw.t
            fw.critical(line[1:4])
            if fw.killed:
                return False
        fw.enqueue(number, line, damaged, fragment)
        return True

    def ok_text(self, fw: Firmware, number: int | None) -> str:
        """`ok`, or with ADVANCED_OK `ok N<n> P<planner free> B<queue free>`."""
        if not self.settings.advanced_ok:
            return "ok"
        line = "" if number is None else f" N{number}"
        return f"ok{line} P{fw.planner.free(fw.t)} B{fw.bufsize - len(fw.queue)}"

    def firmware_lines(self, fw: Firmware) -> list[str]:
        """M115: the firmware line and the Cap: lines (EXTENDED_CAPABILITIES_REPORT)."""
        settings = self.settings
        lines = [
            f"FIRMWARE_NAME:Marlin {FIRMWARE_VERSION} (PrintEdge virtual printer) "
            "SOURCE_CODE_URL:github.com/MarlinFirmware/Marlin PROTOCOL_VERSION:1.0 "
            f"MACHINE_TYPE:PrintEdge Virtual EXTRUDER_COUNT:1 UUID:{fw.uuid}"
        ]
        autoreport, parser = int(settings.autoreport_temp), int(settings.emergency_parser)
        lines.extend("Cap:" + cap.format(autoreport=autoreport, emergency_parser=parser) for cap in _CAPABILITIES)
        return lines

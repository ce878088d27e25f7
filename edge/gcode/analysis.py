"""G-code analysis and validation in one streaming pass: layers, time, filament, height, slicer."""

from __future__ import annotations

import asyncio
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from edge.config.schema import LimitsConfig
from edge.core.errors import FileRejectedError
from edge.gcode.text import command_word, params, strip_comment

# Room the host adds around each command: "N<number> " before and "*<checksum>" after.
# The same rule as SafetyFilter.check, so a file accepted here is never refused while printing.
FRAMING_OVERHEAD = 14
# A "line" longer than this is not G-code text (a binary blob, or a file without newlines).
MAX_RAW_LINE = 1 << 20
READ_CHUNK = 1 << 20

_MOVES = frozenset({"G0", "G1", "G2", "G3"})
_HEATERS = frozenset({"M104", "M109", "M140", "M190"})
# Only the axes the analysis needs; a fast path for the millions of moves in a sliced file.
_MOVE_AXES = re.compile(r"([EXYZexyz])\s*([-+]?(?:\d+\.?\d*|\.\d+))")
# Control characters other than tab and line endings (a CR only right before a LF).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)")
_PRUSA_TIME = re.compile(r"^;\s*estimated printing time \(normal mode\)\s*=\s*(.+)$")
_DURATION_PART = re.compile(r"(\d+)\s*([dhms])")
_CURA_TIME = re.compile(r"^;TIME:\s*(\d+(?:\.\d+)?)\s*$")
_PRUSA_FILAMENT = re.compile(r"^;\s*filament used \[mm\]\s*=\s*(.+)$")
_CURA_FILAMENT = re.compile(r"^;Filament used:\s*(.+)$")
_SLICER = re.compile(r"generated (?:by|with) ([A-Za-z][\w.-]*)", re.IGNORECASE)
_SLICER_NAMES = {"cura_steamengine": "Cura"}
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


@dataclass(kw_only=True)
class GcodeAnalysis:
    """What a G-code file contains, as far as printing and progress reporting need to know."""

    lines_total: int
    command_lines: int
    bytes_total: int
    layer_count: int
    estimated_time_s: float | None
    filament_mm: float
    max_z: float
    slicer: str | None
    max_line_length: int
    # The highest temperature targets the file sets, and the line that sets them (None: not analysed for it).
    hotend_max_c: float | None = None
    hotend_max_line: int = 0
    bed_max_c: float | None = None
    bed_max_line: int = 0

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GcodeAnalysis:
        """Rebuild from the JSON form stored in the database."""
        time_s = data.get("estimated_time_s")
        slicer = data.get("slicer")
        return cls(
            lines_total=int(data["lines_total"]),
            command_lines=int(data["command_lines"]),
            bytes_total=int(data["bytes_total"]),
            layer_count=int(data["layer_count"]),
            estimated_time_s=None if time_s is None else float(time_s),
            filament_mm=float(data["filament_mm"]),
            max_z=float(data["max_z"]),
            slicer=None if slicer is None else str(slicer),
            max_line_length=int(data["max_line_length"]),
            hotend_max_c=_optional_float(data.get("hotend_max_c")),
            hotend_max_line=int(data.get("hotend_max_line", 0)),
            bed_max_c=_optional_float(data.get("bed_max_c")),
            bed_max_line=int(data.get("bed_max_line", 0)),
        )

    def temperature_problem(self, limits: LimitsConfig) -> str | None:
        """Why the file may not print under these limits (a target above one), or None."""
        if self.hotend_max_c is not None and self.hotend_max_c > limits.hotend_max_c:
            return (
                f"line {self.hotend_max_line} sets the hotend to {self.hotend_max_c:g} °C, above the limit of "
                f"{limits.hotend_max_c:g} °C (printer.limits.hotend_max_c)"
            )
        if self.bed_max_c is not None and self.bed_max_c > limits.bed_max_c:
            return (
                f"line {self.bed_max_line} sets the bed to {self.bed_max_c:g} °C, above the limit of "
                f"{limits.bed_max_c:g} °C (printer.limits.bed_max_c)"
            )
        return None


class GcodeAnalyser:
    """Takes a file's bytes in chunks, checks every line and gathers the analysis as it goes."""

    def __init__(self, name: str, max_line_length: int, limits: LimitsConfig | None = None) -> None:
        self.name = name
        self.max_line_length = max_line_length
        self.limits = limits
        self._hotend_max = 0.0
        self._hotend_line = 0
        self._bed_max = 0.0
        self._bed_line = 0
        self.command_limit = max_line_length - FRAMING_OVERHEAD
        self._pending = b""
        self._lines = 0
        self._commands = 0
        self._bytes = 0
        self._longest = 0
        self._change_markers = 0
        self._number_markers = 0
        self._z_layers = 0
        self._last_layer_z = float("-inf")
        self._header_time: float | None = None
        self._header_filament: float | None = None
        self._slicer: str | None = None
        self._absolute_xyz = True
        self._absolute_e = True
        self._z = 0.0
        self._max_z = 0.0
        self._e = 0.0
        self._e_high = 0.0
        self._extruded = 0.0

    def feed(self, data: bytes) -> None:
        """Check and analyse every complete line in `data`; keep the unfinished tail for later."""
        self._bytes += len(data)
        buffer = self._pending + data if self._pending else data
        cut = buffer.rfind(b"\n")
        if cut < 0:
            self._pending = buffer
        else:
            self._pending = buffer[cut + 1 :]
            self._block(buffer[: cut + 1])
        if len(self._pending) > MAX_RAW_LINE:
            self._reject(
                f"line {self._lines + 1} is longer than {MAX_RAW_LINE} bytes without a newline "
                "(binary data, not G-code text)"
            )

    def finish(self) -> GcodeAnalysis:
        """Analyse the last line and return the result; rejects files without any command."""
        if self._pending:
            self._block(self._pending + b"\n")
            self._pending = b""
        if self._bytes == 0:
            self._reject("is empty (0 bytes): contains no G-code commands")
        if self._commands == 0:
            self._reject(f"contains no G-code commands ({self._lines} lines, all comments or blank)")
        return GcodeAnalysis(
            lines_total=self._lines,
            command_lines=self._commands,
            bytes_total=self._bytes,
            # A file with both `;LAYER_CHANGE` and `;LAYER:<n>` (our PrusaSlicer profiles) marks each layer twice.
            layer_count=max(self._change_markers, self._number_markers) or self._z_layers,
            estimated_time_s=self._header_time,
            filament_mm=round(self._header_filament if self._header_filament is not None else self._extruded, 3),
            max_z=round(self._max_z, 4),
            slicer=self._slicer,
            max_line_length=self._longest,
            hotend_max_c=self._hotend_max,
            hotend_max_line=self._hotend_line,
            bed_max_c=self._bed_max,
            bed_max_line=self._bed_line,
        )

    def _reject(self, reason: str) -> None:
        raise FileRejectedError(self.name, reason)

    def _block(self, block: bytes) -> None:
        """Validate whole lines at once (NUL, UTF-8, control characters), then analyse each line."""
        first = self._lines + 1
        nul = block.find(0)
        if nul >= 0:
            line, column = _position(block, nul, first)
            self._reject(f"contains binary data: a NUL byte at line {line}, column {column}")
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError as exc:
            line, column = _position(block, exc.start, first)
            self._reject(
                f"contains binary data: line {line} is not UTF-8 text (byte 0x{block[exc.start]:02x} at column {column})"
            )
            return
        if first == 1 and text.startswith("\ufeff"):
            text = text[1:]
        control = _CONTROL.search(text)
        if control:
            line, column = _position(text, control.start(), first)
            self._reject(
                f"contains binary data: control character 0x{ord(control.group()):02x} at line {line}, column {column}"
            )
        lines = text.split("\n")
        lines.pop()  # the block ends with a newline
        for raw in lines:
            self._lines += 1
            stripped = raw.strip()
            if not stripped:
                continue
            if stripped[0] == ";":
                self._comment(stripped)
                continue
            command = strip_comment(stripped)
            if command:
                self._command(command, self._lines)

    def _command(self, command: str, number: int) -> None:
        self._commands += 1
        length = len(command)
        if length > self._longest:
            self._longest = length
        if length > self.command_limit:
            self._reject(
                f"line {number} has a command of {length} characters, the printer accepts at most "
                f"{self.command_limit} (printer.max_line_length {self.max_line_length} minus "
                f"{FRAMING_OVERHEAD} for line number and checksum): {command[:40]!r}"
            )
        if not command.isascii():
            self._reject(f"line {number} has non-ASCII characters in a command: {command[:40]!r}")
        head = command[:3]
        word = head[:2] if head in ("G1 ", "G0 ") else command_word(command)
        if word in _MOVES:
            self._move(word, command)
        elif word == "G92":
            values = params(command)
            if "E" in values:
                self._e = self._e_high = values["E"]
            if "Z" in values:
                self._z = values["Z"]
        elif word in _HEATERS:
            self._temperature(word, command, number)
        elif word == "M82":
            self._absolute_e = True
        elif word == "M83":
            self._absolute_e = False
        elif word == "G90":
            self._absolute_xyz = self._absolute_e = True
        elif word == "G91":
            self._absolute_xyz = self._absolute_e = False

    def _temperature(self, word: str, command: str, number: int) -> None:
        values = params(command)
        target = max(values.get("S", 0.0), values.get("R", 0.0))
        if word in ("M104", "M109"):
            if target > self._hotend_max:
                self._hotend_max, self._hotend_line = target, number
                if self.limits is not None and target > self.limits.hotend_max_c:
                    self._reject(
                        f"line {number} sets the hotend to {target:g} °C ({command!r}), above the limit of "
                        f"{self.limits.hotend_max_c:g} °C (printer.limits.hotend_max_c)"
                    )
        elif target > self._bed_max:
            self._bed_max, self._bed_line = target, number
            if self.limits is not None and target > self.limits.bed_max_c:
                self._reject(
                    f"line {number} sets the bed to {target:g} °C ({command!r}), above the limit of "
                    f"{self.limits.bed_max_c:g} °C (printer.limits.bed_max_c)"
                )

    def _move(self, word: str, command: str) -> None:
        z: float | None = None
        e: float | None = None
        planar = False
        for letter, value in _MOVE_AXES.findall(command):
            if letter in "Zz":
                z = float(value)
            elif letter in "Ee":
                e = float(value)
            else:
                planar = True
        if z is not None:
            self._z = z if self._absolute_xyz else self._z + z
            if self._z > self._max_z:
                self._max_z = self._z
        if e is None:
            return
        self._e = e if self._absolute_e else self._e + e
        # Only extrusion beyond the high-water mark counts, so retract/unretract pairs cancel out.
        if self._e <= self._e_high:
            return
        self._extruded += self._e - self._e_high
        self._e_high = self._e
        # Fallback layer detection: an extruding XY move at a new height starts a layer (Z hops don't).
        if planar and word != "G0" and self._z > self._last_layer_z + 1e-6:
            self._z_layers += 1
            self._last_layer_z = self._z

    def _comment(self, text: str) -> None:
        if text == ";LAYER_CHANGE":
            self._change_markers += 1
            return
        if text.startswith(";LAYER:"):
            self._number_markers += 1
            return
        if self._slicer is None and (match := _SLICER.search(text)):
            found = match.group(1)
            self._slicer = _SLICER_NAMES.get(found.lower(), found)
            return
        if self._header_time is None:
            if match := _PRUSA_TIME.match(text):
                self._header_time = _duration_s(match.group(1))
                return
            if match := _CURA_TIME.match(text):
                self._header_time = float(match.group(1))
                return
        if self._header_filament is None:
            if match := _PRUSA_FILAMENT.match(text):
                self._header_filament = _sum_numbers(match.group(1), 1.0)
            elif match := _CURA_FILAMENT.match(text):
                self._header_filament = _sum_numbers(match.group(1), 1000.0)


def _optional_float(value: object) -> float | None:
    return None if value is None else float(str(value))


def _position(data: bytes | str, index: int, first_line: int) -> tuple[int, int]:
    """Line number and 1-based column of `index` in a block of whole lines starting at `first_line`."""
    if isinstance(data, bytes):
        return first_line + data.count(b"\n", 0, index), index - data.rfind(b"\n", 0, index)
    return first_line + data.count("\n", 0, index), index - data.rfind("\n", 0, index)


def _duration_s(text: str) -> float | None:
    """Seconds in a PrusaSlicer duration such as '1d 2h 3m 4s'."""
    parts = _DURATION_PART.findall(text)
    if not parts:
        return None
    return float(sum(int(value) * _UNIT_SECONDS[unit] for value, unit in parts))


def _sum_numbers(text: str, scale: float) -> float | None:
    """Sum of a comma-separated list such as '123.4, 5.6' or '1.23m, 0m' (one value per extruder)."""
    total = 0.0
    found = False
    for part in text.split(","):
        number = part.strip().rstrip("m").strip()
        try:
            total += float(number)
        except ValueError:
            continue
        found = True
    return total * scale if found else None


def analyse_file(
    path: Path, max_line_length: int, name: str | None = None, limits: LimitsConfig | None = None
) -> GcodeAnalysis:
    """Check and analyse a G-code file line by line (blocking: run it in a thread)."""
    analyser = GcodeAnalyser(name or path.name, max_line_length, limits)
    with path.open("rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            analyser.feed(chunk)
    return analyser.finish()


async def analyse(
    path: Path, max_line_length: int, name: str | None = None, limits: LimitsConfig | None = None
) -> GcodeAnalysis:
    """Check and analyse a G-code file in a worker thread."""
    return await asyncio.to_thread(analyse_file, path, max_line_length, name, limits)

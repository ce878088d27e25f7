"""Layers of a G-code file for the preview: where each starts, and a layer's toolpath as line segments.

Layers are numbered as the runner numbers them (`;LAYER_CHANGE`, `;LAYER:<n>`, `M73 L`): layer 0 is what
comes before the first marker. A file without markers falls back to heights: an extruding XY move at a new,
higher Z starts a layer. These functions read the file and are meant to run in a worker thread.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from edge.gcode.text import command_word, params, strip_comment

# A layer's toolpath is thinned to at most this many segments (a dense layer keeps its outline).
MAX_SEGMENTS = 12_000
# Arcs (G2/G3) are drawn as chords of at most this angle.
ARC_STEP_RAD = math.pi / 18
MOVES = frozenset({"G0", "G1", "G2", "G3"})


@dataclass(frozen=True, slots=True)
class Position:
    """The machine state the preview follows: position, extruder and modes."""

    x: float = 0.0
    y: float = 0.0
    z: float = 0.0
    e: float = 0.0
    absolute_xyz: bool = True
    absolute_e: bool = True


@dataclass(frozen=True, slots=True)
class Layer:
    """One layer: its number, height and byte range, and the machine state where it starts."""

    number: int
    z: float
    start: int
    end: int
    state: Position

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (without the machine state)."""
        return {"layer": self.number, "z": round(self.z, 4), "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class Segment:
    """A straight move from (x0, y0) to (x1, y1); `end` is the byte offset after the line that made it."""

    x0: float
    y0: float
    x1: float
    y1: float
    extrude: bool
    end: int

    def to_list(self) -> list[float | int]:
        """Compact JSON form: [x0, y0, x1, y1, 1 if extruding else 0, end]."""
        return [
            round(self.x0, 3),
            round(self.y0, 3),
            round(self.x1, 3),
            round(self.y1, 3),
            int(self.extrude),
            self.end,
        ]


class _Machine:
    """Follows positions and modes line by line, turning moves into segments."""

    def __init__(self, state: Position) -> None:
        self.state = state

    def apply(self, word: str, values: dict[str, float], end: int) -> list[Segment]:
        """Apply one command; the segments it drew (none for non-moves)."""
        s = self.state
        if word == "G90":
            self.state = replace(s, absolute_xyz=True, absolute_e=True)
        elif word == "G91":
            self.state = replace(s, absolute_xyz=False, absolute_e=False)
        elif word == "M82":
            self.state = replace(s, absolute_e=True)
        elif word == "M83":
            self.state = replace(s, absolute_e=False)
        elif word == "G92":
            self.state = replace(
                s,
                x=values.get("X", s.x),
                y=values.get("Y", s.y),
                z=values.get("Z", s.z),
                e=values.get("E", s.e),
            )
        elif word == "G28":
            homed = not any(axis in values for axis in "XYZ")
            self.state = replace(
                s,
                x=0.0 if homed or "X" in values else s.x,
                y=0.0 if homed or "Y" in values else s.y,
                z=0.0 if homed or "Z" in values else s.z,
            )
        elif word in MOVES:
            return self._move(word, values, end)
        return []

    def _move(self, word: str, values: dict[str, float], end: int) -> list[Segment]:
        s = self.state

        def axis(name: str, now: float) -> float:
            if name not in values:
                return now
            return values[name] if s.absolute_xyz else now + values[name]

        x, y, z = axis("X", s.x), axis("Y", s.y), axis("Z", s.z)
        e = s.e
        if "E" in values:
            e = values["E"] if s.absolute_e else s.e + values["E"]
        extrude = e > s.e + 1e-9 and word != "G0"
        self.state = replace(s, x=x, y=y, z=z, e=e)
        if x == s.x and y == s.y:
            return []
        if word in ("G2", "G3") and ("I" in values or "J" in values):
            points = _arc(s.x, s.y, x, y, values.get("I", 0.0), values.get("J", 0.0), clockwise=word == "G2")
        else:
            points = [(x, y)]
        segments, (px, py) = [], (s.x, s.y)
        for qx, qy in points:
            segments.append(Segment(px, py, qx, qy, extrude, end))
            px, py = qx, qy
        return segments


def index_layers(path: Path) -> list[Layer]:
    """Every layer of the file with its byte range (one pass over the file)."""
    marked: list[Layer] = []
    by_height: list[Layer] = []
    machine = _Machine(Position())
    marker_layer = 0
    first_z: dict[int, float] = {}  # marker layer -> Z of its first extruding move
    for start, end, text in _lines(path):
        number = marker_layer
        if ";" in text:
            number = _marker(text, marker_layer)
        command = strip_comment(text)
        word = command_word(command) if command else ""
        values = params(command) if command else {}
        if word == "M73" and "L" in values:
            number = int(values["L"])
        if number != marker_layer:
            marker_layer = number
            marked.append(Layer(number, machine.state.z, start, 0, machine.state))
        if not command:
            continue
        before = machine.state
        drawn = machine.apply(word, values, end)
        if drawn and drawn[0].extrude:
            z = machine.state.z
            first_z.setdefault(marker_layer, z)
            if not by_height or z > by_height[-1].z + 1e-6:
                by_height.append(Layer(len(by_height) + 1, z, start, 0, before))
    if marked:
        marked = [replace(layer, z=first_z.get(layer.number, layer.z)) for layer in marked]
    starts = marked or by_height
    return _ranged([Layer(0, 0.0, 0, 0, Position()), *starts], path.stat().st_size)


def layer_segments(path: Path, layer: Layer, limit: int = MAX_SEGMENTS) -> tuple[list[Segment], bool]:
    """The layer's moves as segments, thinned to about `limit`; True with them when they were thinned."""
    machine = _Machine(layer.state)
    segments: list[Segment] = []
    for _start, end, text in _lines(path, layer.start, layer.end):
        command = strip_comment(text)
        if command:
            segments += machine.apply(command_word(command), params(command), end)
    if len(segments) <= limit:
        return segments, False
    return _thinned(segments, limit), True


def _ranged(starts: list[Layer], size: int) -> list[Layer]:
    """Each layer ends where the next begins; a number repeated (a marker without a change) keeps the first."""
    layers: list[Layer] = []
    for layer in starts:
        if not layers or layers[-1].number != layer.number:
            layers.append(layer)
    return [replace(layer, end=layers[i + 1].start if i + 1 < len(layers) else size) for i, layer in enumerate(layers)]


def _marker(text: str, layer: int) -> int:
    """The layer number after a comment line, as the runner counts it."""
    comment = text[text.find(";") :].strip()
    if comment.startswith(";LAYER_CHANGE"):
        return layer + 1
    if comment.startswith(";LAYER:"):
        try:
            return int(comment[7:].strip()) + 1
        except ValueError:
            return layer
    return layer


def _lines(path: Path, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, int, str]]:
    """(start byte, byte after the line, text) of each line from `start` up to `stop`."""
    with path.open("rb") as handle:
        handle.seek(start)
        offset = start
        for raw in handle:
            end = offset + len(raw)
            yield offset, end, raw.decode("utf-8", "replace").rstrip("\r\n")
            offset = end
            if stop is not None and offset >= stop:
                return


def _arc(
    x0: float, y0: float, x1: float, y1: float, i: float, j: float, *, clockwise: bool
) -> list[tuple[float, float]]:
    """Points along an arc from (x0, y0) to (x1, y1) around (x0 + i, y0 + j)."""
    cx, cy = x0 + i, y0 + j
    radius = math.hypot(i, j)
    a0, a1 = math.atan2(y0 - cy, x0 - cx), math.atan2(y1 - cy, x1 - cx)
    sweep = a1 - a0
    if clockwise and sweep >= 0:
        sweep -= 2 * math.pi
    elif not clockwise and sweep <= 0:
        sweep += 2 * math.pi
    steps = max(1, math.ceil(abs(sweep) / ARC_STEP_RAD))
    points = [
        (cx + radius * math.cos(a0 + sweep * k / steps), cy + radius * math.sin(a0 + sweep * k / steps))
        for k in range(1, steps)
    ]
    return [*points, (x1, y1)]


def _thinned(segments: list[Segment], limit: int) -> list[Segment]:
    """Keep the extrusions (travel goes first), then join runs of them into single segments."""
    kept = [segment for segment in segments if segment.extrude]
    if len(kept) <= limit:
        return kept
    group = math.ceil(len(kept) / limit)
    runs = (kept[i : i + group] for i in range(0, len(kept), group))
    return [Segment(run[0].x0, run[0].y0, run[-1].x1, run[-1].y1, True, run[-1].end) for run in runs]

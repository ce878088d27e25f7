"""Models of the panel's data endpoints: console, temperature history, log tail, configuration, G-code preview."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypedDict

from edge.web.models.common import MAX_ID
from edge.web.schema import Meta


@dataclass(frozen=True)
class TailQuery:
    """Which lines of a numbered ring to answer: those after a sequence number, at most a limit."""

    after: Annotated[int, Meta(description="only lines after this sequence number", minimum=0, maximum=MAX_ID)] = 0
    limit: Annotated[int, Meta(description="at most this many (the newest)", minimum=1, maximum=1000)] = 200


class ConsoleLineView(TypedDict):
    """One terminal line: `sent` by a person or `received` from the firmware."""

    seq: int
    at: float
    direction: str
    text: str


class ConsoleView(TypedDict):
    """Recent firmware traffic."""

    last_seq: int
    lines: list[ConsoleLineView]


class TemperatureHistory(TypedDict):
    """Samples of [time, hotend, hotend target, bed, bed target] over the last ten minutes."""

    samples: list[list[float | None]]


class LogEntryView(TypedDict):
    """One log record."""

    seq: int
    at: float
    level: str
    logger: str
    message: str


class LogTail(TypedDict):
    """The newest log records."""

    last_seq: int
    entries: list[LogEntryView]


@dataclass(frozen=True)
class LayerPath:
    """A file id and a layer number in the URL."""

    id: Annotated[int, Meta(description="the file's id", minimum=-MAX_ID, maximum=MAX_ID, example=1)]
    n: Annotated[int, Meta(description="the layer number (0: what comes before the first layer)", minimum=0)]


class BedSize(TypedDict):
    """The build plate."""

    width_mm: float
    depth_mm: float


class LayerView(TypedDict):
    """One layer: number, Z and byte range in the file."""

    layer: int
    z: float
    start: int
    end: int


class LayerIndex(TypedDict):
    """Every layer of a file."""

    file_id: int
    bed: BedSize
    layers: list[LayerView]


class LayerToolpath(LayerView):
    """One layer's moves: [x0, y0, x1, y1, extruding, end byte] each, thinned to a bounded count."""

    file_id: int
    thinned: bool
    segments: list[list[float]]

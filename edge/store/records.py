"""Job records, states and recovery points shared by the store, the runner and the API."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field


class JobState(enum.StrEnum):
    """Where a job is in its life."""

    PREPARING = "preparing"  # research, CAD or slicing is running
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # sliced; a person looks at the preview and confirms
    QUEUED = "queued"
    PRINTING = "printing"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"
    INTERRUPTED = "interrupted"

    @property
    def finished(self) -> bool:
        """Whether the job can no longer change by itself."""
        return self in (JobState.COMPLETED, JobState.CANCELLED, JobState.FAILED, JobState.INTERRUPTED)


@dataclass(kw_only=True, slots=True)
class RecoveryPoint:
    """Enough machine state to resume a job after a crash or power cut."""

    job_id: int
    line_index: int
    byte_offset: int
    layer: int
    z: float
    e: float
    feedrate: float
    hotend_target: float
    bed_target: float
    fan: float
    x: float = 0.0
    y: float = 0.0
    feedrate_pct: float = 100.0  # M220 speed override
    flow_pct: float = 100.0  # M221 extrusion override
    absolute_e: bool = True
    created_at: float = 0.0

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return asdict(self)


@dataclass(kw_only=True)
class Job:
    """A print job as stored."""

    id: int
    file_id: int | None  # None until a job from text or a model has been sliced
    file_name: str
    state: JobState
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    lines_done: int = 0
    lines_total: int = 0
    bytes_done: int = 0
    bytes_total: int = 0
    layer: int = 0
    detail: str = ""
    resume_from_line: int = 0
    stats: dict[str, object] = field(default_factory=dict)
    source: str = "gcode"  # gcode, model or text
    source_text: str = ""  # the request a text job was made from
    stage: str = ""  # the pipeline stage running or waiting (research, cad, slice, confirm); "" once queued
    options: dict[str, object] = field(default_factory=dict)  # material, quality, printer profile asked for

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        data = asdict(self)
        data["state"] = self.state.value
        return data

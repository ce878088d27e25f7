"""How a run of the job runner ends, and what it reports while it runs."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Protocol

from edge.store.records import RecoveryPoint


class RunResult(enum.StrEnum):
    """How a run ended; the job manager maps it to a job state."""

    COMPLETED = "completed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    FAILED = "failed"


class RunPhase(enum.StrEnum):
    """What a running print is doing, for its job record."""

    PRINTING = "printing"
    PAUSED = "paused"


@dataclass
class RunOutcome:
    """The end of a run: its result, a sentence for people, and the link's figures for this job."""

    result: RunResult
    detail: str
    stats: dict[str, object] = field(default_factory=dict)


class RunObserver(Protocol):
    """Where the runner reports what happens to its job (the job manager, or memory for the CLI)."""

    async def phase(self, phase: RunPhase, detail: str) -> None:
        """The print started printing, paused or resumed."""

    async def progress(self, lines_done: int, bytes_done: int, layer: int) -> None:
        """How far the printer got (persisted now and then)."""

    async def recovery(self, point: RecoveryPoint) -> None:
        """A recovery point to persist durably."""

    @property
    def journaling(self) -> bool:
        """Whether journal() keeps anything (the runner builds no point otherwise)."""

    def journal(self, point: RecoveryPoint) -> None:
        """The newest recovery point, for a cheap, frequent record that survives a crash."""


class MemoryObserver:
    """Keeps a run's record in memory, for printing without a database (`printedge print`, benchmarks)."""

    def __init__(self) -> None:
        self.phases: list[tuple[RunPhase, str]] = []
        self.recovery_point: RecoveryPoint | None = None

    async def phase(self, phase: RunPhase, detail: str) -> None:
        """Remember the phase."""
        self.phases.append((phase, detail))

    async def progress(self, lines_done: int, bytes_done: int, layer: int) -> None:
        """Progress lives in the runner; nothing to keep."""

    async def recovery(self, point: RecoveryPoint) -> None:
        """Remember the latest point."""
        self.recovery_point = point

    journaling = False

    def journal(self, point: RecoveryPoint) -> None:
        """Nothing to journal in memory."""

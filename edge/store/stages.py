"""The stages a job from text or a model runs (research, CAD, slice, confirm): state, progress and output."""

from __future__ import annotations

import builtins
import json
import time
from dataclasses import asdict, dataclass, field

from edge.core.errors import StoreError
from edge.store.db import Database

STAGE_STATES = ("pending", "running", "done", "failed", "cancelled")


@dataclass(kw_only=True)
class Stage:
    """One stage of a job as stored."""

    job_id: int
    stage: str
    state: str
    progress: float = 0.0
    message: str = ""
    output: dict[str, object] = field(default_factory=dict)
    started_at: float | None = None
    finished_at: float | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return asdict(self)


class StageRepository:
    """Reads and writes job stages; one row per job and stage."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def plan(self, job_id: int, stages: builtins.list[str]) -> None:
        """Record the stages a job will run, all pending."""
        async with self.db.transaction():
            for stage in stages:
                await self.db.execute(
                    "INSERT OR IGNORE INTO job_stages (job_id, stage, state) VALUES (?, ?, 'pending')",
                    (job_id, stage),
                )

    async def update(
        self,
        job_id: int,
        stage: str,
        state: str,
        *,
        progress: float | None = None,
        message: str | None = None,
        output: dict[str, object] | None = None,
    ) -> None:
        """Move a stage to a state, with its progress, message and output when given."""
        if state not in STAGE_STATES:
            raise ValueError(f"stage state {state!r} is not one of {', '.join(STAGE_STATES)}")
        now = time.time()
        try:
            text = None if output is None else json.dumps(output, allow_nan=False, sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"output of stage {stage} of job {job_id} cannot be stored as JSON: {exc}") from exc
        changed = await self.db.execute(
            "UPDATE job_stages SET state = ?, progress = COALESCE(?, progress), message = COALESCE(?, message), "
            "output = COALESCE(?, output), "
            "started_at = CASE WHEN ? = 'running' AND started_at IS NULL THEN ? ELSE started_at END, "
            "finished_at = CASE WHEN ? IN ('done', 'failed', 'cancelled') THEN ? ELSE NULL END "
            "WHERE job_id = ? AND stage = ?",
            (state, progress, message, text, state, now, state, now, job_id, stage),
        )
        if not changed:
            raise StoreError(f"job {job_id} has no stage {stage!r}")

    async def list(self, job_id: int) -> builtins.list[Stage]:
        """A job's stages in the order they run."""
        rows = await self.db.fetchall("SELECT * FROM job_stages WHERE job_id = ? ORDER BY rowid", (job_id,))
        return [
            Stage(
                job_id=int(row["job_id"]),
                stage=str(row["stage"]),
                state=str(row["state"]),
                progress=float(row["progress"]),
                message=str(row["message"]),
                output=_output(row["output"]),
                started_at=None if row["started_at"] is None else float(row["started_at"]),
                finished_at=None if row["finished_at"] is None else float(row["finished_at"]),
            )
            for row in rows
        ]

    async def output(self, job_id: int, stage: str) -> dict[str, object]:
        """A finished stage's output ({} when it has none yet)."""
        row = await self.db.fetchone("SELECT output FROM job_stages WHERE job_id = ? AND stage = ?", (job_id, stage))
        return {} if row is None else _output(row["output"])


def _output(text: object) -> dict[str, object]:
    try:
        value = json.loads(str(text))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}

"""Persisted jobs: states, progress, recovery points and the history of every job."""

from __future__ import annotations

import builtins
import json
import logging
import sqlite3
import time
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass

from edge.core.errors import (
    FileMissingError,
    InvalidJobStateError,
    NotFoundError,
    QueuePositionError,
    StoreError,
)
from edge.store.db import Database
from edge.store.records import Job, JobState, RecoveryPoint

log = logging.getLogger("printedge.store")

_RECOVERY_FIELDS = (
    "job_id",
    "line_index",
    "byte_offset",
    "layer",
    "z",
    "e",
    "feedrate",
    "hotend_target",
    "bed_target",
    "fan",
    "x",
    "y",
    "feedrate_pct",
    "flow_pct",
    "absolute_e",
    "created_at",
)

# The verb an error names when a job may not move to a state: "cannot cancel job 3: it is completed, ...".
ACTIONS: dict[JobState, str] = {
    JobState.PREPARING: "prepare",
    JobState.AWAITING_CONFIRMATION: "await confirmation of",
    JobState.QUEUED: "queue",
    JobState.PRINTING: "start",
    JobState.PAUSED: "pause",
    JobState.COMPLETED: "complete",
    JobState.CANCELLED: "cancel",
    JobState.FAILED: "fail",
    JobState.INTERRUPTED: "interrupt",
}
_ALIVE = (JobState.PRINTING, JobState.PAUSED)
_QUEUE_ORDER = "queue_position, id"


@dataclass(kw_only=True)
class JobEvent:
    """One entry in a job's history."""

    id: int
    job_id: int
    kind: str
    detail: str
    created_at: float

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return asdict(self)


class JobRepository:
    """Reads and writes jobs; every change that matters is one transaction with its history entry."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, file_id: int) -> Job:
        """A new queued job for a stored file (lines_total is the file's command lines)."""
        async with self.db.transaction():
            row = await self.db.fetchone(
                "SELECT name, stored_name, size, analysis, missing FROM files WHERE id = ? AND deleted_at IS NULL",
                (file_id,),
            )
            if row is None:
                raise NotFoundError("file", file_id)
            if row["missing"]:
                raise FileMissingError(file_id, str(row["name"]), str(row["stored_name"]))
            lines_total = int(json.loads(row["analysis"]).get("command_lines", 0))
            job_id = await self.db.insert(
                "INSERT INTO jobs (file_id, file_name, state, created_at, lines_total, bytes_total, queue_position) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    file_id,
                    row["name"],
                    JobState.QUEUED.value,
                    time.time(),
                    lines_total,
                    int(row["size"]),
                    await self._queue_end(first=False),
                ),
            )
            await self.add_event(job_id, JobState.QUEUED.value, f"file {file_id} ({row['name']})")
            return await self.get(job_id)

    async def create_prepared(self, source: str, name: str, text: str, options: dict[str, object]) -> Job:
        """A new job from text or a model: it prepares (research, CAD, slicing) before it can be queued."""
        if source not in ("text", "model"):
            raise ValueError(f"a prepared job comes from text or a model, not {source!r}")
        async with self.db.transaction():
            job_id = await self.db.insert(
                "INSERT INTO jobs (file_id, file_name, state, created_at, source, source_text, options) "
                "VALUES (NULL, ?, ?, ?, ?, ?, ?)",
                (name, JobState.PREPARING.value, time.time(), source, text, json.dumps(options, sort_keys=True)),
            )
            await self.add_event(job_id, JobState.PREPARING.value, f"from {source}: {text or name}")
            return await self.get(job_id)

    async def set_stage(self, job_id: int, stage: str) -> None:
        """The pipeline stage a preparing job is at (or "" once it is past them)."""
        if not await self.db.execute("UPDATE jobs SET stage = ? WHERE id = ?", (stage, job_id)):
            raise NotFoundError("job", job_id)

    async def attach_file(self, job_id: int, file_id: int, name: str, lines_total: int, bytes_total: int) -> Job:
        """Give a preparing job the G-code file its slice produced."""
        changed = await self.db.execute(
            "UPDATE jobs SET file_id = ?, file_name = ?, lines_total = ?, bytes_total = ? WHERE id = ? AND state = ?",
            (file_id, name, lines_total, bytes_total, job_id, JobState.PREPARING.value),
        )
        if not changed:
            job = await self.get(job_id)
            raise InvalidJobStateError(job_id, job.state.value, "attach a sliced file to", [JobState.PREPARING.value])
        return await self.get(job_id)

    async def get(self, job_id: int) -> Job:
        """One job, or NotFoundError."""
        row = await self.db.fetchone("SELECT * FROM jobs WHERE id = ?", (job_id,))
        if row is None:
            raise NotFoundError("job", job_id)
        return _job(row)

    async def list(self, limit: int = 100, states: Iterable[JobState] | None = None) -> builtins.list[Job]:
        """The newest jobs first, optionally only those in the given states; only queued ones: queue order."""
        if states is None:
            rows = await self.db.fetchall("SELECT * FROM jobs ORDER BY id DESC LIMIT ?", (limit,))
        else:
            wanted = sorted({JobState(state).value for state in states})
            order = _QUEUE_ORDER if wanted == [JobState.QUEUED.value] else "id DESC"
            marks = ", ".join("?" for _ in wanted)
            rows = await self.db.fetchall(
                f"SELECT * FROM jobs WHERE state IN ({marks}) ORDER BY {order} LIMIT ?", (*wanted, limit)
            )
        return [_job(row) for row in rows]

    async def next_queued(self) -> Job | None:
        """The queued job that should print next, if any."""
        row = await self.db.fetchone(
            f"SELECT * FROM jobs WHERE state = ? ORDER BY {_QUEUE_ORDER} LIMIT 1", (JobState.QUEUED.value,)
        )
        return None if row is None else _job(row)

    async def reorder(self, job_id: int, position: int) -> builtins.list[Job]:
        """Move a queued job to a queue position (0 is next; past the end is last); returns the queue."""
        async with self.db.transaction():
            row = await self.db.fetchone("SELECT state FROM jobs WHERE id = ?", (job_id,))
            if row is None:
                raise NotFoundError("job", job_id)
            if row["state"] != JobState.QUEUED.value:
                raise InvalidJobStateError(job_id, str(row["state"]), "move", [JobState.QUEUED.value])
            ids = [job.id for job in await self._queue()]
            if position < 0:
                raise QueuePositionError(job_id, position, len(ids))
            ids.remove(job_id)
            position = min(position, len(ids))
            ids.insert(position, job_id)
            for index, queued_id in enumerate(ids):
                await self.db.execute("UPDATE jobs SET queue_position = ? WHERE id = ?", (index, queued_id))
            await self.add_event(job_id, "moved", f"moved to queue position {position} of {len(ids)}")
            return await self._queue()

    async def remove_queued(self, job_id: int) -> Job:
        """Take a job that is still queued out of the queue (it becomes cancelled)."""
        return await self._transition(
            job_id, JobState.CANCELLED, "removed from the queue", (JobState.QUEUED,), "remove"
        )

    async def requeue_for_resume(self, job_id: int, from_line: int) -> Job:
        """Queue an interrupted job again, ahead of every other, to continue from a command line."""
        if from_line < 0:
            raise ValueError(f"job {job_id} cannot resume from line {from_line}: lines count from 0")
        async with self.db.transaction():
            job = await self._transition(
                job_id,
                JobState.QUEUED,
                f"resume from line {from_line} requested",
                (JobState.INTERRUPTED,),
                "resume",
            )
            await self.set_resume(job.id, from_line)
            return await self.get(job.id)

    async def transition(
        self,
        job_id: int,
        to: JobState,
        detail: str = "",
        *,
        allowed_from: Collection[JobState],
        action: str = "",
    ) -> Job:
        """Move a job to `to` only if it is still in one of allowed_from, in one transaction with its history."""
        return await self._transition(job_id, to, detail, allowed_from, action or ACTIONS[to])

    async def claim_next(self, detail: str = "") -> Job | None:
        """Atomically move the job that should print next from queued to printing; None if nothing is queued."""
        async with self.db.transaction():
            job = await self.next_queued()
            if job is None:
                return None
            return await self._transition(job.id, JobState.PRINTING, detail, (JobState.QUEUED,), "start")

    async def update_state(self, job_id: int, state: JobState, detail: str = "") -> Job:
        """Move a job to a state from any state (edge/jobs and the runner still use it; prefer transition())."""
        return await self._transition(job_id, state, detail, tuple(JobState), ACTIONS[state])

    async def update_progress(self, job_id: int, lines_done: int, bytes_done: int, layer: int) -> None:
        """Record how far a job has got (one statement, so atomic by itself)."""
        changed = await self.db.execute(
            "UPDATE jobs SET lines_done = ?, bytes_done = ?, layer = ? WHERE id = ?",
            (lines_done, bytes_done, layer, job_id),
        )
        if not changed:
            raise NotFoundError("job", job_id)

    async def set_resume(self, job_id: int, line: int) -> None:
        """The command line a resumed job starts from."""
        changed = await self.db.execute("UPDATE jobs SET resume_from_line = ? WHERE id = ?", (line, job_id))
        if not changed:
            raise NotFoundError("job", job_id)

    async def set_stats(self, job_id: int, stats: dict[str, object]) -> None:
        """Replace a job's statistics (the printer link's counters) with a JSON object."""
        try:
            text = json.dumps(stats, allow_nan=False, sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"statistics of job {job_id} cannot be stored as JSON: {exc}") from exc
        changed = await self.db.execute("UPDATE jobs SET stats = ? WHERE id = ?", (text, job_id))
        if not changed:
            raise NotFoundError("job", job_id)

    async def save_recovery(self, point: RecoveryPoint) -> None:
        """Keep the latest recovery point of a job (older ones are replaced)."""
        values = point.to_dict()
        if not values["created_at"]:
            values["created_at"] = time.time()
        values["absolute_e"] = int(point.absolute_e)
        columns = ", ".join(_RECOVERY_FIELDS)
        marks = ", ".join("?" for _ in _RECOVERY_FIELDS)
        await self.db.execute(
            f"INSERT OR REPLACE INTO recovery_points ({columns}) VALUES ({marks})",
            [values[name] for name in _RECOVERY_FIELDS],
        )

    async def latest_recovery(self, job_id: int) -> RecoveryPoint | None:
        """The last recovery point saved for a job, if any."""
        row = await self.db.fetchone("SELECT * FROM recovery_points WHERE job_id = ?", (job_id,))
        return None if row is None else _recovery(row)

    async def add_event(self, job_id: int, kind: str, detail: str = "") -> None:
        """Append an entry to a job's history."""
        await self.db.execute(
            "INSERT INTO job_events (job_id, kind, detail, created_at) VALUES (?, ?, ?, ?)",
            (job_id, kind, detail, time.time()),
        )

    async def events(self, job_id: int) -> builtins.list[JobEvent]:
        """A job's history, oldest first."""
        rows = await self.db.fetchall("SELECT * FROM job_events WHERE job_id = ? ORDER BY id", (job_id,))
        return [
            JobEvent(
                id=int(row["id"]),
                job_id=int(row["job_id"]),
                kind=str(row["kind"]),
                detail=str(row["detail"]),
                created_at=float(row["created_at"]),
            )
            for row in rows
        ]

    async def mark_interrupted_on_startup(self) -> builtins.list[Job]:
        """Every job that was printing or paused when the process died becomes interrupted."""
        interrupted: builtins.list[Job] = []
        async with self.db.transaction():
            rows = await self.db.fetchall(
                "SELECT * FROM jobs WHERE state IN (?, ?) ORDER BY id",
                (JobState.PRINTING.value, JobState.PAUSED.value),
            )
            for row in rows:
                job = _job(row)
                point = await self.latest_recovery(job.id)
                detail = interruption_detail(job, point)
                # finished_at: the last moment the print was known to be alive.
                finished_at = point.created_at if point is not None else None
                changed = await self._transition(
                    job.id, JobState.INTERRUPTED, detail, _ALIVE, ACTIONS[JobState.INTERRUPTED], finished_at=finished_at
                )
                interrupted.append(changed)
                log.warning("job %d: %s", job.id, detail)
        return interrupted

    async def _transition(
        self,
        job_id: int,
        to: JobState,
        detail: str,
        allowed_from: Collection[JobState],
        action: str,
        *,
        finished_at: float | None = None,
    ) -> Job:
        """The one conditional UPDATE behind every state change: no row changed means the job was not allowed."""
        allowed = [state.value for state in JobState if state in allowed_from]
        if not allowed:
            raise ValueError(f"transition of job {job_id} to {to.value} allows no state to move from")
        now = time.time()
        finished = (finished_at if finished_at is not None else now) if to.finished else None
        marks = ", ".join("?" for _ in allowed)
        async with self.db.transaction():
            row = await self.db.fetchone("SELECT state FROM jobs WHERE id = ?", (job_id,))
            if row is None:
                raise NotFoundError("job", job_id)
            was = JobState(row["state"])
            position = None
            if to is JobState.QUEUED and was is not JobState.QUEUED:
                # An interrupted job's part is still on the bed: its resume must print before anything else.
                position = await self._queue_end(first=was is JobState.INTERRUPTED)
            changed = await self.db.execute(
                "UPDATE jobs SET state = ?, detail = ?, finished_at = ?, "
                "started_at = CASE WHEN ? AND started_at IS NULL THEN ? ELSE started_at END, "
                "queue_position = COALESCE(?, queue_position) "
                f"WHERE id = ? AND state IN ({marks})",
                (to.value, detail, finished, to is JobState.PRINTING, now, position, job_id, *allowed),
            )
            if not changed:
                raise InvalidJobStateError(job_id, was.value, action, allowed)
            await self.add_event(job_id, to.value, detail or f"{was.value} -> {to.value}")
            return await self.get(job_id)

    async def _queue(self) -> builtins.list[Job]:
        """Every queued job, in the order they will print."""
        rows = await self.db.fetchall(
            f"SELECT * FROM jobs WHERE state = ? ORDER BY {_QUEUE_ORDER}", (JobState.QUEUED.value,)
        )
        return [_job(row) for row in rows]

    async def _queue_end(self, *, first: bool) -> int:
        """The queue position just before the first queued job, or just after the last."""
        edge = "MIN(queue_position) - 1" if first else "MAX(queue_position) + 1"
        row = await self.db.fetchone(f"SELECT {edge} AS position FROM jobs WHERE state = ?", (JobState.QUEUED.value,))
        return 0 if row is None or row["position"] is None else int(row["position"])


def interruption_detail(job: Job, point: RecoveryPoint | None) -> str:
    """The sentence a user reads about a job that died with the process."""
    if point is None:
        return (
            f"interrupted while {job.state.value} at about line {job.lines_done}, before any recovery point "
            "was saved — power cut or crash; start the job again"
        )
    return (
        f"interrupted at line {point.line_index} (layer {point.layer}, Z {point.z:.2f}) while "
        f"{job.state.value} — power cut or crash; resume from layer {point.layer} is possible"
    )


def _job(row: sqlite3.Row) -> Job:
    return Job(
        id=int(row["id"]),
        file_id=None if row["file_id"] is None else int(row["file_id"]),
        file_name=str(row["file_name"]),
        state=JobState(row["state"]),
        created_at=float(row["created_at"]),
        started_at=None if row["started_at"] is None else float(row["started_at"]),
        finished_at=None if row["finished_at"] is None else float(row["finished_at"]),
        lines_done=int(row["lines_done"]),
        lines_total=int(row["lines_total"]),
        bytes_done=int(row["bytes_done"]),
        bytes_total=int(row["bytes_total"]),
        layer=int(row["layer"]),
        detail=str(row["detail"]),
        resume_from_line=int(row["resume_from_line"]),
        stats=_stats(row),
        source=str(row["source"]),
        source_text=str(row["source_text"]),
        stage=str(row["stage"]),
        options=_options(row),
    )


def _options(row: sqlite3.Row) -> dict[str, object]:
    try:
        options = json.loads(row["options"])
    except ValueError:
        log.warning("job %s has unreadable options: %.60r", row["id"], row["options"])
        return {}
    return options if isinstance(options, dict) else {}


def _stats(row: sqlite3.Row) -> dict[str, object]:
    """A job's statistics; damaged ones are logged and shown as none, never making the job unreadable."""
    try:
        stats = json.loads(row["stats"])
    except ValueError as exc:
        log.warning("job %s has unreadable statistics (%s): %.60r", row["id"], exc, row["stats"])
        return {}
    if not isinstance(stats, dict):
        log.warning("job %s has statistics that are not a JSON object: %.60r", row["id"], row["stats"])
        return {}
    return stats


def _recovery(row: sqlite3.Row) -> RecoveryPoint:
    return RecoveryPoint(
        job_id=int(row["job_id"]),
        line_index=int(row["line_index"]),
        byte_offset=int(row["byte_offset"]),
        layer=int(row["layer"]),
        z=float(row["z"]),
        e=float(row["e"]),
        feedrate=float(row["feedrate"]),
        hotend_target=float(row["hotend_target"]),
        bed_target=float(row["bed_target"]),
        fan=float(row["fan"]),
        x=float(row["x"]),
        y=float(row["y"]),
        feedrate_pct=float(row["feedrate_pct"]),
        flow_pct=float(row["flow_pct"]),
        absolute_e=bool(row["absolute_e"]),
        created_at=float(row["created_at"]),
    )

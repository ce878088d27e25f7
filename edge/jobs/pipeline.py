"""The pipeline: a job from text or a model runs research, CAD and slicing, then waits for a person to confirm."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from edge.config.schema import JobsConfig, LimitsConfig
from edge.core.component import Health
from edge.core.errors import InvalidJobStateError, PrintEdgeError, PrintRefusedError
from edge.core.events import EventBus, JobStageChanged, JobStateChanged
from edge.core.tasks import TaskSupervisor
from edge.jobs.manager import JobManager
from edge.store.files import FileStore
from edge.store.jobs import JobRepository
from edge.store.records import Job, JobState
from edge.store.stages import StageRepository
from edge.store.upload import disk_space_needed

log = logging.getLogger("printedge.pipeline")

Progress = Callable[[float, str], None]
PLANS = {"text": ["research", "cad", "slice", "confirm"], "model": ["cad", "slice", "confirm"]}
MODEL_SUFFIXES = (".stl", ".3mf", ".obj")
SPEC, MESH, GCODE = "spec.json", "mesh.stl", "sliced.gcode"
_PREPARED = (JobState.PREPARING, JobState.AWAITING_CONFIRMATION)


class Agents(Protocol):
    """What the pipeline asks of the agents; edge/agents provides it (locally, or through the cloud worker)."""

    async def research(self, text: str, options: Mapping[str, object]) -> dict[str, object]:
        """Text to a design spec (JSON-ready), or a DesignError naming what cannot be made."""
        ...

    async def build(self, spec: Mapping[str, object], out: Path, progress: Progress) -> dict[str, object]:
        """A design spec to a checked mesh written to `out`; returns its size, volume and checks."""
        ...

    async def place_model(self, model: Path, out: Path, progress: Progress) -> dict[str, object]:
        """An uploaded model checked, repaired where safe and placed on the bed, written to `out`."""
        ...

    async def slice(
        self, mesh: Path, out: Path, options: Mapping[str, object], progress: Progress
    ) -> dict[str, object]:
        """A mesh to G-code written to `out`; returns the analysis (layers, time, filament)."""
        ...


class Pipeline:
    """Runs the stages of jobs from text or models, one job at a time, persisting each stage's output."""

    name = "pipeline"

    def __init__(
        self,
        agents: Agents,
        manager: JobManager,
        stages: StageRepository,
        bus: EventBus,
        config: JobsConfig,
        limits: LimitsConfig,
        work_root: Path,
    ) -> None:
        self.agents = agents
        self.manager = manager
        self.jobs: JobRepository = manager.jobs
        self.files: FileStore = manager.files
        self.stages = stages
        self._bus = bus
        self.config = config
        self.limits = limits
        self.work_root = work_root
        self._tasks = TaskSupervisor("pipeline")
        self._slot = asyncio.Semaphore(1)  # CAD and slicing are heavy: one job's stages at a time

    # ---- component contract -------------------------------------------------------------

    async def start(self) -> None:
        """Resume every job that was preparing when the process stopped, at the stage that was running."""
        for job in await self.jobs.list(limit=1000, states=[JobState.PREPARING]):
            log.info("job %d: resuming its preparation at stage %s", job.id, job.stage or "?")
            self._spawn(job.id)

    async def stop(self) -> None:
        """Stop the stages running now (their worker is killed); they resume at the next start."""
        await self._tasks.cancel_all()

    def status(self) -> dict[str, object]:
        """JSON-ready snapshot: which jobs are being prepared."""
        return {"preparing": sorted(int(name.removeprefix("job-")) for name in self._tasks.names())}

    def health(self) -> Health:
        """The pipeline has no long-lived task that can die; it is healthy while it runs."""
        return Health(True, f"{len(self._tasks.names())} job(s) preparing")

    # ---- operations (called by the control surface) -------------------------------------

    async def from_text(self, text: str, options: Mapping[str, object]) -> Job:
        """Research the text now (a refusal creates no job), then make and slice it in the background."""
        text = text.strip()
        await self.require_space("a job from text")
        spec = await self.agents.research(text, options)
        job = await self.jobs.create_prepared("text", _name_of(spec, text), text, dict(options))
        await self.stages.plan(job.id, PLANS["text"])
        folder = await self._folder(job.id)
        await asyncio.to_thread((folder / SPEC).write_text, json.dumps(spec, indent=2, sort_keys=True))
        await self._stage(job.id, "research", "done", 1.0, _done_message("research", spec), spec)
        self._spawn(job.id)
        return await self.jobs.get(job.id)

    async def from_model(self, name: str, upload: Path, options: Mapping[str, object]) -> Job:
        """A model already saved at `upload` (taken over by the job): check, place and slice it in the background."""
        await self.require_space(f"a job from the model {name!r}")
        job = await self.jobs.create_prepared("model", name, "", dict(options))
        await self.stages.plan(job.id, PLANS["model"])
        folder = await self._folder(job.id)
        await asyncio.to_thread(shutil.move, upload, folder / f"upload{Path(name).suffix.lower()}")
        self._spawn(job.id)
        return await self.jobs.get(job.id)

    async def confirm(self, job_id: int) -> Job:
        """A person has seen the preview: queue the job."""
        job = await self.jobs.transition(
            job_id, JobState.QUEUED, "confirmed", allowed_from=[JobState.AWAITING_CONFIRMATION], action="confirm"
        )
        await self._stage(job_id, "confirm", "done", 1.0, "confirmed")
        await self.jobs.set_stage(job_id, "")
        self._bus.publish(JobStateChanged(job_id=job_id, state=job.state.value, detail="confirmed"))
        self.manager.wake()
        return job

    async def cancel(self, job_id: int) -> Job:
        """Cancel a job still preparing or awaiting confirmation: its worker is killed, its files removed."""
        job = await self.jobs.transition(
            job_id, JobState.CANCELLED, "cancelled before printing", allowed_from=_PREPARED, action="cancel"
        )
        await self._tasks.cancel(_task_name(job_id))
        for stage in await self.stages.list(job_id):
            if stage.state in ("pending", "running"):
                await self._stage(job_id, stage.stage, "cancelled", stage.progress, "cancelled")
        await asyncio.to_thread(shutil.rmtree, self.work_root / str(job_id), ignore_errors=True)
        self._bus.publish(JobStateChanged(job_id=job_id, state=job.state.value, detail=job.detail))
        return job

    async def require_space(self, what: str, needed: int = 0) -> None:
        """Refuse work that writes meshes and G-code when less than health.min_free_mb would be free (DiskFullError)."""
        await asyncio.to_thread(disk_space_needed, self.work_root.parent, what, needed, self.files.free_margin_bytes)

    def mesh_path(self, job_id: int) -> Path:
        """Where a job's checked mesh is kept (it may not exist yet)."""
        return self.work_root / str(job_id) / MESH

    # ---- the stages ---------------------------------------------------------------------

    def _spawn(self, job_id: int) -> None:
        self._tasks.spawn(_task_name(job_id), lambda: self._prepare(job_id))

    async def _prepare(self, job_id: int) -> None:
        async with self._slot:
            job = await self.jobs.get(job_id)
            if job.state is not JobState.PREPARING:
                return
            for stage in await self.stages.list(job_id):
                if stage.state == "done":
                    continue
                if stage.stage == "confirm":
                    await self._await_confirmation(job_id)
                    return
                try:
                    await self._run_stage(job, stage.stage)
                except PrintEdgeError as exc:
                    await self._fail(job_id, stage.stage, exc.message)
                    return
                except Exception as exc:  # a bug must fail the job, never leave it preparing
                    log.exception("job %d: stage %s crashed", job_id, stage.stage)
                    await self._fail(job_id, stage.stage, f"internal error: {exc!r}")
                    return

    async def _run_stage(self, job: Job, stage: str) -> None:
        if stage in ("cad", "slice"):
            await self.require_space(f"the {'mesh' if stage == 'cad' else 'G-code'} of job {job.id}")
        folder = await self._folder(job.id)
        await self.jobs.set_stage(job.id, stage)
        await self._stage(job.id, stage, "running", 0.0, _RUNNING.get(stage, f"{stage} running"))

        def progress(fraction: float, message: str) -> None:
            # Announced only: the store records a stage when it starts and ends, not at every step.
            self._bus.publish(
                JobStageChanged(job_id=job.id, stage=stage, state="running", progress=fraction, message=message)
            )

        output: dict[str, object]
        if stage == "research":
            output = await self.agents.research(job.source_text, job.options)
            await asyncio.to_thread((folder / SPEC).write_text, json.dumps(output, indent=2, sort_keys=True))
        elif stage == "cad" and job.source == "text":
            spec = json.loads(await asyncio.to_thread((folder / SPEC).read_text))
            output = await self.agents.build(spec, folder / MESH, progress)
        elif stage == "cad":
            output = await self.agents.place_model(await _upload_in(folder), folder / MESH, progress)
        elif stage == "slice":
            output = await self._slice(job, folder, progress)
        else:
            raise InvalidJobStateError(job.id, f"at an unknown stage {stage!r}", "prepare")
        await self._stage(job.id, stage, "done", 1.0, _done_message(stage, output), output)

    async def _slice(self, job: Job, folder: Path, progress: Progress) -> dict[str, object]:
        options = dict(job.options)
        if job.source == "text":
            spec = json.loads(await asyncio.to_thread((folder / SPEC).read_text))
            for key in ("material", "quality"):
                options.setdefault(key, spec.get(key))
        output = await self.agents.slice(folder / MESH, folder / GCODE, options, progress)
        stored = await self.files.add_path(f"{Path(job.file_name).stem or 'part'}.gcode", folder / GCODE)
        await asyncio.to_thread((folder / GCODE).unlink, missing_ok=True)
        problem = stored.analysis.temperature_problem(self.limits)
        if problem:
            raise PrintRefusedError(stored.id, stored.name, problem)
        await self.jobs.attach_file(job.id, stored.id, stored.name, stored.analysis.command_lines, stored.size)
        return output | {"file_id": stored.id}

    async def _await_confirmation(self, job_id: int) -> None:
        await self.jobs.set_stage(job_id, "confirm")
        if self.config.auto_confirm:
            await self.jobs.transition(
                job_id, JobState.AWAITING_CONFIRMATION, "sliced", allowed_from=[JobState.PREPARING]
            )
            await self.confirm(job_id)
            return
        job = await self.jobs.transition(
            job_id,
            JobState.AWAITING_CONFIRMATION,
            "sliced; look at the preview and confirm to queue it",
            allowed_from=[JobState.PREPARING],
        )
        await self._stage(job_id, "confirm", "running", 0.0, "waiting for a person to confirm")
        self._bus.publish(JobStateChanged(job_id=job_id, state=job.state.value, detail=job.detail))

    async def _fail(self, job_id: int, stage: str, message: str) -> None:
        log.warning("job %d failed at stage %s: %s", job_id, stage, message)
        await self._stage(job_id, stage, "failed", 0.0, message)
        with contextlib.suppress(InvalidJobStateError):
            job = await self.jobs.transition(
                job_id, JobState.FAILED, f"{stage}: {message}", allowed_from=[JobState.PREPARING]
            )
            self._bus.publish(JobStateChanged(job_id=job_id, state=job.state.value, detail=job.detail))

    async def _stage(
        self,
        job_id: int,
        stage: str,
        state: str,
        progress: float,
        message: str,
        output: dict[str, object] | None = None,
    ) -> None:
        await self.stages.update(job_id, stage, state, progress=progress, message=message, output=output)
        self._bus.publish(JobStageChanged(job_id=job_id, stage=stage, state=state, progress=progress, message=message))

    async def _folder(self, job_id: int) -> Path:
        folder = self.work_root / str(job_id)
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        return folder


_RUNNING = {
    "research": "reading the request",
    "cad": "building and checking the mesh",
    "slice": "slicing with PrusaSlicer",
}


def _done_message(stage: str, output: Mapping[str, object]) -> str:
    """What a finished stage made, in a few words."""
    size = output.get("size_mm")
    if stage == "cad" and isinstance(size, list):
        return f"mesh {' x '.join(f'{float(v):g}' for v in size)} mm, {output.get('triangles')} triangles"
    if stage == "slice":
        return f"{output.get('layers')} layers, {output.get('filament_g')} g of filament"
    if stage == "research":
        return f"{output.get('part')}, {output.get('material')}, {output.get('quality')}"
    return f"{stage} done"


def _task_name(job_id: int) -> str:
    return f"job-{job_id}"


def _name_of(spec: Mapping[str, object], text: str) -> str:
    """A short job name: the part and its main size, else the start of the text."""
    part = str(spec.get("part", "")).replace("_", " ")
    return part or text[:60]


async def _upload_in(folder: Path) -> Path:
    for suffix in MODEL_SUFFIXES:
        candidate = folder / f"upload{suffix}"
        if await asyncio.to_thread(candidate.exists):
            return candidate
    raise InvalidJobStateError(int(folder.name), "without its uploaded model", "check the model of")

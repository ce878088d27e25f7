"""Text to print and model uploads: make a job, follow its stages, look at its preview and mesh, confirm it."""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path

from aiohttp import web

from edge.core.errors import FileRejectedError, NotFoundError
from edge.jobs.pipeline import MODEL_SUFFIXES
from edge.store.records import Job
from edge.web.context import caller, services
from edge.web.errors import FileTooLargeError, UnsupportedFileTypeError
from edge.web.models.common import IdPath
from edge.web.models.make import MESH, MODEL_UPLOAD, ModelQuery, Preview, TextRequest
from edge.web.schema import ApiRoutes, read_body, read_path, read_query, reply

log = logging.getLogger("printedge.web")

api = ApiRoutes("jobs")
routes = api.routes

CHUNK_SIZE = 64 * 1024


@api.post(
    "/api/v1/jobs/text",
    body=TextRequest,
    responses={201: Job},
    errors={
        400: "the text is missing or a field is malformed (`bad_request`)",
        422: "the part cannot be made: too large for the printer, zero or negative, thinner than the nozzle, "
        "no part named (`design_refused`)",
        507: "less than health.min_free_mb of disk is free (`disk_full`)",
    },
)
async def post_text_job(request: web.Request) -> web.Response:
    """Make a job from a sentence: the spec is worked out now; CAD and slicing follow, then it awaits confirmation."""
    body = await read_body(request, TextRequest)
    options = {k: v for k, v in (("material", body.material), ("quality", body.quality), ("copies", body.copies)) if v}
    job = await services(request).control.make_from_text(caller(request), body.text, options)
    log.info("job %d from text %r", job.id, body.text[:80])
    return reply(request, job.to_dict(), status=201)


@api.post(
    "/api/v1/jobs/model",
    raw_body=MODEL_UPLOAD,
    query=ModelQuery,
    responses={201: Job},
    errors={
        413: "larger than agents.max_model_mb (`file_too_large`)",
        415: "the name does not end in .stl, .3mf or .obj (`unsupported_file_type`)",
        422: "the body is empty (`file_rejected`)",
        507: "less than health.min_free_mb of disk would be left (`disk_full`)",
    },
)
async def post_model_job(request: web.Request) -> web.Response:
    """Make a job from a model: it is checked, placed and sliced in the background, then awaits confirmation."""
    query = read_query(request, ModelQuery)
    name = Path(query.name).name
    suffix = Path(name).suffix.lower()
    if suffix not in MODEL_SUFFIXES:
        raise UnsupportedFileTypeError(name, f"a model must end in {', '.join(MODEL_SUFFIXES)}, not {suffix!r}")
    svc = services(request)
    limit = svc.config.agents.max_model_mb * 1024 * 1024
    if request.content_length is not None and request.content_length > limit:
        raise FileTooLargeError(name, f"is {request.content_length} bytes; the limit is {limit} (agents.max_model_mb)")
    pipeline = svc.control.require_pipeline()
    await pipeline.require_space(f"the model {name!r}", request.content_length or 0)
    folder = pipeline.work_root / "uploads"
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    upload = folder / f"{uuid.uuid4().hex}{suffix}"
    try:
        size = await _receive(request, upload, name, limit)
        if size == 0:
            raise FileRejectedError(name, "the upload is empty")
        options = {k: v for k, v in (("material", query.material), ("quality", query.quality)) if v}
        job = await svc.control.make_from_model(caller(request), name, upload, options)
    finally:
        await asyncio.to_thread(upload.unlink, missing_ok=True)  # the job moved it into its own folder
    log.info("job %d from model %r (%d bytes)", job.id, name, size)
    return reply(request, job.to_dict(), status=201)


@api.post(
    "/api/v1/jobs/{id}/confirm",
    path_params=IdPath,
    responses={200: Job},
    errors={409: "the job is not awaiting confirmation (`invalid_job_state`)"},
)
async def confirm_job(request: web.Request) -> web.Response:
    """A person has looked at the preview: queue the job."""
    job_id = read_path(request, IdPath).id
    await services(request).jobs.get(job_id)
    return reply(request, (await services(request).control.confirm(caller(request), job_id)).to_dict())


@api.get("/api/v1/jobs/{id}/preview", path_params=IdPath, responses={200: Preview})
async def get_preview(request: web.Request) -> web.Response:
    """What the job will make: the spec and its assumptions, size, time, filament, layers and the mesh's address."""
    svc = services(request)
    job = await svc.jobs.get(read_path(request, IdPath).id)
    outputs = {stage.stage: stage.output for stage in await svc.stages.list(job.id) if stage.state == "done"}
    cad, sliced = outputs.get("cad", {}), outputs.get("slice", {})
    preview: Preview = {
        "job_id": job.id,
        "size_mm": _floats(cad.get("size_mm")),
        "spec": outputs.get("research"),
        "estimated_time_s": _number(sliced.get("estimated_time_s")),
        "filament_mm": _number(sliced.get("filament_mm")),
        "filament_g": _number(sliced.get("filament_g")),
        "layers": None if sliced.get("layers") is None else int(str(sliced["layers"])),
        "triangles": None if cad.get("triangles") is None else int(str(cad["triangles"])),
        "repairs": [str(repair) for repair in _list(cad.get("repairs"))],
        "mesh_url": f"/api/v1/jobs/{job.id}/mesh" if cad else None,
    }
    return reply(request, dict(preview))


@api.get("/api/v1/jobs/{id}/mesh", path_params=IdPath, responses={200: MESH}, errors={404: "no checked mesh yet"})
async def get_mesh(request: web.Request) -> web.StreamResponse:
    """The job's checked mesh (binary STL in mm, on the bed), once its CAD stage is done."""
    svc = services(request)
    job = await svc.jobs.get(read_path(request, IdPath).id)
    path = svc.control.require_pipeline().mesh_path(job.id)
    if not await asyncio.to_thread(path.is_file):
        raise NotFoundError(f"checked mesh of job {job.id}", "mesh.stl")
    return web.FileResponse(path, headers={"Content-Type": "model/stl"})


async def _receive(request: web.Request, path: Path, name: str, limit: int) -> int:
    """Stream the body to `path`, refusing it once it passes `limit` bytes."""
    size = 0
    handle = await asyncio.to_thread(path.open, "wb")
    try:
        async for chunk in request.content.iter_chunked(CHUNK_SIZE):
            size += len(chunk)
            if size > limit:
                raise FileTooLargeError(name, f"is larger than the limit of {limit} bytes (agents.max_model_mb)")
            await asyncio.to_thread(handle.write, chunk)
    finally:
        await asyncio.to_thread(handle.close)
    return size


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _floats(value: object) -> list[float] | None:
    items = _list(value)
    return [float(str(v)) for v in items] if items else None

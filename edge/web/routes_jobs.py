"""Job endpoints: enqueue, list, details with history, pause/resume/cancel, the queue and the bed-clear gate."""

from __future__ import annotations

import logging

from aiohttp import web

from edge.store.records import Job, JobState
from edge.web.context import caller, services
from edge.web.models.common import IdPath
from edge.web.models.jobs import JobHistory, JobsQuery, MoveRequest, NewJob, Queued, QueueStatus, ResumeRequest
from edge.web.models.make import JobStages
from edge.web.schema import AllOf, ApiRoutes, read_body, read_path, read_query, reply

log = logging.getLogger("printedge.web")

api = ApiRoutes("jobs")
routes = api.routes

_WRONG_STATE = "the action does not fit the job's state (`invalid_job_state`, `job_error`)"


@api.post(
    "/api/v1/jobs",
    body=NewJob,
    responses={201: Job},
    errors={
        404: "no stored file has this id (`not_found`)",
        409: "the file is missing from disk (`store_error`)",
        422: "the file sets a temperature above the current limits (`print_refused`)",
    },
)
async def post_job(request: web.Request) -> web.Response:
    """Queue a print of a stored file."""
    file_id = (await read_body(request, NewJob)).file_id
    job = await services(request).control.start_job(caller(request), file_id)
    log.info("queued job %d for file %d (%r)", job.id, file_id, job.file_name)
    return reply(request, job.to_dict(), status=201)


@api.get("/api/v1/jobs", query=JobsQuery, responses={200: list[Job]})
async def list_jobs(request: web.Request) -> web.Response:
    """The newest jobs first; ?state=queued,printing filters, ?limit=N caps (default 100)."""
    query = read_query(request, JobsQuery)
    jobs = await services(request).jobs.list(limit=query.limit, states=query.state)
    return reply(request, [job.to_dict() for job in jobs])


@api.get("/api/v1/jobs/{id}", path_params=IdPath, responses={200: AllOf(Job, JobHistory, JobStages)})
async def get_job(request: web.Request) -> web.Response:
    """One job with its history, its latest recovery point (or null) and its stages (text and model jobs)."""
    svc = services(request)
    repo = svc.jobs
    job = await repo.get(read_path(request, IdPath).id)
    events = await repo.events(job.id)
    point = await repo.latest_recovery(job.id)
    stages = await svc.stages.list(job.id)
    return reply(
        request,
        job.to_dict()
        | {
            "events": [event.to_dict() for event in events],
            "recovery": None if point is None else point.to_dict(),
            "stages": [stage.to_dict() for stage in stages],
        },
    )


@api.post("/api/v1/jobs/{id}/pause", path_params=IdPath, responses={200: Job}, errors={409: _WRONG_STATE})
async def pause_job(request: web.Request) -> web.Response:
    """Pause the running job (the head parks)."""
    job = await _existing(request)
    return reply(request, (await services(request).control.pause(caller(request), job.id)).to_dict())


@api.post(
    "/api/v1/jobs/{id}/resume",
    path_params=IdPath,
    body=ResumeRequest,
    body_required=False,
    responses={200: Job},
    errors={409: f"{_WRONG_STATE}; an interrupted job without both confirmations (`confirmation_required`)"},
)
async def resume_job(request: web.Request) -> web.Response:
    """Resume a paused job, or an interrupted one from its recovery point once part and nozzle are confirmed."""
    body = await read_body(request, ResumeRequest)
    job = await _existing(request)
    resumed = await services(request).control.resume(
        caller(request), job.id, part_attached=body.part_attached, nozzle_clear=body.nozzle_clear
    )
    return reply(request, resumed.to_dict())


@api.post("/api/v1/jobs/{id}/cancel", path_params=IdPath, responses={200: Job}, errors={409: _WRONG_STATE})
async def cancel_job(request: web.Request) -> web.Response:
    """Cancel a job that is preparing, awaiting confirmation, queued, printing or paused."""
    job = await _existing(request)
    return reply(request, (await services(request).control.cancel(caller(request), job.id)).to_dict())


@api.delete("/api/v1/jobs/{id}", path_params=IdPath, responses={200: Job}, errors={409: "the job is not queued"})
async def delete_job(request: web.Request) -> web.Response:
    """Take a queued job out of the queue (it becomes cancelled; its history stays)."""
    job = await _existing(request)
    return reply(request, (await services(request).control.remove_queued(caller(request), job.id)).to_dict())


@api.post(
    "/api/v1/jobs/{id}/move",
    path_params=IdPath,
    body=MoveRequest,
    responses={200: list[Job]},
    errors={409: "the job is not queued"},
)
async def move_job(request: web.Request) -> web.Response:
    """Move a queued job to a position in the queue (0 = next); answers the queue in order."""
    position = (await read_body(request, MoveRequest)).position
    job = await _existing(request)
    queue = await services(request).control.reorder(caller(request), job.id, position)
    return reply(request, [queued.to_dict() for queued in queue])


@api.get("/api/v1/queue", responses={200: AllOf(QueueStatus, Queued)})
async def get_queue(request: web.Request) -> web.Response:
    """The running job (or null) and the queued jobs in the order they will print."""
    svc = services(request)
    queued = await svc.jobs.list(limit=1000, states=[JobState.QUEUED])
    return reply(request, svc.manager.status() | {"queued": [job.to_dict() for job in queued]})


@api.post("/api/v1/queue/bed-clear", responses={200: QueueStatus})
async def post_bed_clear(request: web.Request) -> web.Response:
    """A person confirms the bed is empty: the next queued job may start."""
    status = await services(request).control.confirm_bed_clear(caller(request))
    log.info("bed confirmed clear by %s", request.remote)
    return reply(request, status)


async def _existing(request: web.Request) -> Job:
    """The job named in the URL, so an unknown id is a 404 rather than a wrong-state 409."""
    return await services(request).jobs.get(read_path(request, IdPath).id)

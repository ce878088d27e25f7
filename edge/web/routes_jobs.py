"""Job endpoints: enqueue, list, details with history, pause/resume/cancel, the queue and the bed-clear gate."""

from __future__ import annotations

import logging

from aiohttp import web

from edge.store.records import Job, JobState
from edge.web.context import bool_field, caller, int_field, json_body, optional_json_body, path_id, query_int, services
from edge.web.errors import BadRequestError

log = logging.getLogger("printedge.web")

routes = web.RouteTableDef()

_STATES = ", ".join(state.value for state in JobState)


@routes.post("/api/v1/jobs")
async def post_job(request: web.Request) -> web.Response:
    """Queue a print of a stored file."""
    file_id = int_field(await json_body(request), "file_id")
    job = await services(request).control.start_job(caller(request), file_id)
    log.info("queued job %d for file %d (%r)", job.id, file_id, job.file_name)
    return web.json_response(job.to_dict(), status=201)


@routes.get("/api/v1/jobs")
async def list_jobs(request: web.Request) -> web.Response:
    """The newest jobs first; ?state=queued,printing filters, ?limit=N caps (default 100)."""
    limit = query_int(request, "limit", 100, 1, 1000)
    states = _states(request.query.get("state"))
    jobs = await services(request).jobs.list(limit=limit, states=states)
    return web.json_response([job.to_dict() for job in jobs])


@routes.get("/api/v1/jobs/{id}")
async def get_job(request: web.Request) -> web.Response:
    """One job with its history and its latest recovery point (or null)."""
    repo = services(request).jobs
    job = await repo.get(path_id(request, "job"))
    events = await repo.events(job.id)
    point = await repo.latest_recovery(job.id)
    return web.json_response(
        job.to_dict()
        | {
            "events": [event.to_dict() for event in events],
            "recovery": None if point is None else point.to_dict(),
        }
    )


@routes.post("/api/v1/jobs/{id}/pause")
async def pause_job(request: web.Request) -> web.Response:
    """Pause the running job (the head parks)."""
    job = await _existing(request)
    return _job_response(await services(request).control.pause(caller(request), job.id))


@routes.post("/api/v1/jobs/{id}/resume")
async def resume_job(request: web.Request) -> web.Response:
    """Resume a paused job, or an interrupted one from its recovery point once part and nozzle are confirmed."""
    job = await _existing(request)
    body = await optional_json_body(request)
    resumed = await services(request).control.resume(
        caller(request),
        job.id,
        part_attached=bool_field(body, "part_attached"),
        nozzle_clear=bool_field(body, "nozzle_clear"),
    )
    return _job_response(resumed)


@routes.post("/api/v1/jobs/{id}/cancel")
async def cancel_job(request: web.Request) -> web.Response:
    """Cancel a queued, printing or paused job."""
    job = await _existing(request)
    return _job_response(await services(request).control.cancel(caller(request), job.id))


@routes.delete("/api/v1/jobs/{id}")
async def delete_job(request: web.Request) -> web.Response:
    """Take a queued job out of the queue (it becomes cancelled; its history stays)."""
    job = await _existing(request)
    return _job_response(await services(request).control.remove_queued(caller(request), job.id))


@routes.post("/api/v1/jobs/{id}/move")
async def move_job(request: web.Request) -> web.Response:
    """Move a queued job to a position in the queue (0 = next); answers the queue in order."""
    job = await _existing(request)
    position = int_field(await json_body(request), "position")
    queue = await services(request).control.reorder(caller(request), job.id, position)
    return web.json_response([queued.to_dict() for queued in queue])


@routes.get("/api/v1/queue")
async def get_queue(request: web.Request) -> web.Response:
    """The running job (or null) and the queued jobs in the order they will print."""
    svc = services(request)
    queued = await svc.jobs.list(limit=1000, states=[JobState.QUEUED])
    return web.json_response(svc.manager.status() | {"queued": [job.to_dict() for job in queued]})


@routes.post("/api/v1/queue/bed-clear")
async def post_bed_clear(request: web.Request) -> web.Response:
    """A person confirms the bed is empty: the next queued job may start."""
    status = await services(request).control.confirm_bed_clear(caller(request))
    log.info("bed confirmed clear by %s", request.remote)
    return web.json_response(status)


async def _existing(request: web.Request) -> Job:
    """The job named in the URL, so an unknown id is a 404 rather than a wrong-state 409."""
    return await services(request).jobs.get(path_id(request, "job"))


def _job_response(job: Job) -> web.Response:
    return web.json_response(job.to_dict())


def _states(raw: str | None) -> list[JobState] | None:
    if raw is None:
        return None
    states: list[JobState] = []
    for value in raw.split(","):
        name = value.strip().lower()
        try:
            states.append(JobState(name))
        except ValueError:
            raise BadRequestError(f"unknown job state {value!r} in ?state= (known states: {_STATES})") from None
    return states

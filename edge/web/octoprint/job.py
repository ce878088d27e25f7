"""GET/POST /api/job: the current (or last) job and its progress; start, restart, pause, cancel."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from aiohttp import web

from edge.core.errors import NotFoundError
from edge.printer.outcome import RunPhase
from edge.store.files import StoredFile
from edge.store.records import Job, JobState
from edge.web.context import caller, services
from edge.web.errors import BadRequestError
from edge.web.octoprint.body import PrinterBusyError, command_body, require_operational
from edge.web.octoprint.shapes import filament, job_file, no_progress, state_text
from edge.web.octoprint.state import octoprint_state

routes = web.RouteTableDef()

PAUSE_ACTIONS = ("pause", "resume", "toggle")


@dataclass(kw_only=True)
class JobView:
    """What GET /api/job shows: the file (or none) and the progress."""

    stored: StoredFile | None
    progress: dict[str, object]


@routes.get("/api/job")
async def get_job(request: web.Request) -> web.Response:
    """The running job, else the selected file or the last job, with progress and the printer's state text."""
    svc = services(request)
    view = await current_view(request)
    analysis = view.stored.analysis if view.stored is not None else None
    return web.json_response(
        {
            "job": {
                "file": job_file(view.stored),
                "estimatedPrintTime": analysis.estimated_time_s if analysis else None,
                "averagePrintTime": None,
                "lastPrintTime": None,
                "filament": filament(analysis) if analysis else None,
                "user": None,
            },
            "progress": view.progress,
            "state": state_text(svc.link, svc.manager.runner),
        }
    )


@routes.post("/api/job")
async def post_job(request: web.Request) -> web.Response:
    """start the selected file, restart a paused job, pause (pause|resume|toggle), cancel; 409 when it cannot."""
    svc = services(request)
    require_operational(svc)
    command, body = await command_body(request, {"start": (), "restart": (), "pause": (), "cancel": ()})
    manager = svc.manager
    runner, current = manager.runner, manager.current
    control = svc.control
    if command == "start":
        if runner is not None and current is not None:
            raise PrinterBusyError(
                f"Printer already has an active print job (job {current.id}), did you mean 'restart'?"
            )
        await _refuse_when_queued(request)
        file_id = await selected_file_id(request)
        await control.start_job(caller(request), file_id)
        return web.Response(status=204)
    if runner is None or current is None:
        raise PrinterBusyError(f"Printer is neither printing nor paused, {command!r} command cannot be performed")
    paused = runner.phase is RunPhase.PAUSED
    if command == "restart":
        if not paused:
            raise PrinterBusyError("Printer does not have an active print job or is not paused")
        await control.cancel(caller(request), current.id)
        if current.file_id is not None:
            await control.start_job(caller(request), current.file_id)
    elif command == "cancel":
        await control.cancel(caller(request), current.id)
    else:
        action = body.get("action", "toggle")
        if action not in PAUSE_ACTIONS:
            raise BadRequestError(f"unknown pause action {action!r}; allowed are 'pause', 'resume' and 'toggle'")
        if action == "toggle":
            action = "resume" if paused else "pause"
        # As in OctoPrint, pausing a paused job or resuming a printing one changes nothing.
        if action == "pause" and not paused:
            await control.pause(caller(request), current.id)
        elif action == "resume" and paused:
            await control.resume(caller(request), current.id)
    return web.Response(status=204)


async def current_view(request: web.Request) -> JobView:
    """The running job; else the file selected after the last job; else the last job."""
    svc = services(request)
    runner, current = svc.manager.runner, svc.manager.current
    if runner is not None and current is not None:
        progress = runner.progress()
        eta = progress.eta_s
        return JobView(
            stored=await _stored(request, current.file_id),
            progress={
                "completion": _percent(progress.bytes_done, progress.bytes_total),
                "filepos": progress.bytes_done,
                "printTime": int(progress.elapsed_s),
                "printTimeLeft": None if eta is None else int(eta),
                "printTimeLeftOrigin": None if eta is None else "estimate",
            },
        )
    last = await _last_job(request)
    selection = octoprint_state(request).selection
    if selection is not None and (last is None or selection.at > last.created_at):
        return JobView(stored=await _stored(request, selection.file_id), progress=no_progress())
    if last is None:
        return JobView(stored=None, progress=no_progress())
    return JobView(stored=await _stored(request, last.file_id), progress=_finished_progress(last))


async def selected_file_id(request: web.Request) -> int:
    """The file `start` prints: the one selected after the last job, else the last job's file."""
    view = await current_view(request)
    if view.stored is None:
        raise PrinterBusyError(
            'no file is selected: upload one with select=true, or POST /api/files/local/<name> {"command": "select"}'
        )
    return view.stored.id


async def _refuse_when_queued(request: web.Request) -> None:
    svc = services(request)
    queued = await svc.jobs.list(limit=1, states=[JobState.QUEUED])
    if not queued:
        return
    waiting = (
        "for the bed to be confirmed clear (POST /api/v1/queue/bed-clear)"
        if svc.manager.status().get("awaiting_bed_clear")
        else "for the printer"
    )
    raise PrinterBusyError(f"job {queued[0].id} ({queued[0].file_name!r}) is queued already and waits {waiting}")


async def _last_job(request: web.Request) -> Job | None:
    jobs = await services(request).jobs.list(limit=1)
    return jobs[0] if jobs else None


async def _stored(request: web.Request, file_id: int | None) -> StoredFile | None:
    if file_id is None:
        return None
    with contextlib.suppress(NotFoundError):
        return await services(request).files.get(file_id)
    return None


def _finished_progress(job: Job) -> dict[str, object]:
    if job.state is JobState.QUEUED:
        return no_progress()
    done = job.bytes_total if job.state is JobState.COMPLETED else job.bytes_done
    elapsed = None
    if job.started_at is not None:
        elapsed = int((job.finished_at or job.started_at) - job.started_at)
    return {
        "completion": 100.0 if job.state is JobState.COMPLETED else _percent(done, job.bytes_total),
        "filepos": done,
        "printTime": elapsed,
        "printTimeLeft": 0 if job.state is JobState.COMPLETED else None,
        "printTimeLeftOrigin": None,
    }


def _percent(done: int, total: int) -> float | None:
    return round(100.0 * done / total, 2) if total else None

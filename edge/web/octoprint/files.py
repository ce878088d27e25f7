"""/api/files: list, look up, upload (select, print), select and delete G-code by name; /downloads/files/local."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shutil

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from edge.core.errors import FileInUseError, NotFoundError, PrintEdgeError
from edge.printer.link import LinkState
from edge.services import Services
from edge.store.files import FileStore, StoredFile
from edge.store.records import JobState
from edge.web.context import caller, services
from edge.web.errors import BadRequestError, FileTooLargeError
from edge.web.octoprint.body import PrinterBusyError, command_body, form_true, require_operational
from edge.web.octoprint.shapes import ORIGIN, file_abridged, file_info, quote_name, refs
from edge.web.octoprint.state import octoprint_state
from edge.web.routes_files import FILE_FIELD, MULTIPART_SLACK, read_part, store_upload

log = logging.getLogger("printedge.web.octoprint")

routes = web.RouteTableDef()

# Form fields besides the file are short ("true", a folder name); anything longer is not a field we know.
MAX_FIELD_BYTES = 64 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DRIVE = re.compile(r"[A-Za-z]:")
_SEPARATORS = re.compile(r"[/\\]")
_UNFINISHED = [JobState.QUEUED, JobState.PRINTING, JobState.PAUSED]


@routes.get("/api/files")
@routes.get(f"/api/files/{ORIGIN}")
async def list_files(request: web.Request) -> web.Response:
    """Every stored file (the newest of each name), and the free and total space of the store's disk."""
    svc = services(request)
    base = _base_url(request)
    free, total = await _disk_usage(svc)
    return web.json_response(
        {"files": [file_info(stored, base) for stored in await _by_name(svc)], "free": free, "total": total}
    )


@routes.get(f"/api/files/{ORIGIN}/{{name}}")
async def get_file(request: web.Request) -> web.Response:
    """One file's information; 404 for an unknown name."""
    stored = await _named(services(request), request.match_info["name"])
    return web.json_response(file_info(stored, _base_url(request)))


@routes.post(f"/api/files/{ORIGIN}")
async def upload_file(request: web.Request) -> web.Response:
    """Store a multipart upload ("file", optional "select", "print", "path"); print=true queues the print."""
    svc = services(request)
    store = svc.files
    length = request.content_length
    if length is not None and length > store.max_bytes + MULTIPART_SLACK:
        raise FileTooLargeError(
            "upload",
            f"is larger than the limit of {store.max_bytes} bytes (the request is {length} bytes); "
            "split the print or raise api.max_upload_mb",
        )
    if not request.content_type.startswith("multipart/"):
        raise BadRequestError(
            f'upload needs a multipart/form-data body with a "{FILE_FIELD}" field, got Content-Type '
            f"{request.content_type!r}"
        )
    stored, fields = await _receive(request)
    operational = svc.link.state is LinkState.READY
    wants_print = form_true(fields.get("print"))
    select = (form_true(fields.get("select")) or wants_print) and operational
    printing = wants_print and operational
    if select:
        octoprint_state(request).select(stored.id)
    if printing:
        await svc.control.start_job(caller(request), stored.id)
    log.info("OctoPrint upload %r (file %d) from %s, print=%s", stored.name, stored.id, request.remote, printing)
    base = _base_url(request)
    return web.json_response(
        {
            "files": {ORIGIN: file_abridged(stored, base)},
            "done": True,
            "effectiveSelect": select,
            "effectivePrint": printing,
        },
        status=201,
        headers={"Location": refs(base, stored.name)["resource"]},
    )


@routes.post(f"/api/files/{ORIGIN}/{{name}}")
async def file_command(request: web.Request) -> web.Response:
    """select a file (and print it with "print": true); 409 while a job runs."""
    svc = services(request)
    stored = await _named(svc, request.match_info["name"])
    _, body = await command_body(request, {"select": ()})
    wants_print = body.get("print", False)
    if not isinstance(wants_print, bool):
        raise BadRequestError(f'field "print" must be true or false, got {wants_print!r}')
    if wants_print:
        require_operational(svc)
    if svc.manager.runner is not None:
        raise PrinterBusyError(f"Printer is already printing (job {svc.manager.runner.job_id}); cannot select a file")
    octoprint_state(request).select(stored.id)
    if wants_print:
        await svc.control.start_job(caller(request), stored.id)
    return web.Response(status=204)


@routes.delete(f"/api/files/{ORIGIN}/{{name}}")
async def delete_file(request: web.Request) -> web.Response:
    """Delete every stored file of this name; 409, and nothing deleted, while an unfinished job uses one."""
    svc = services(request)
    name = request.match_info["name"]
    matching = [stored for stored in await svc.files.list() if stored.name == name]
    if not matching:
        raise NotFoundError("file", name)
    ids = {stored.id for stored in matching}
    users = [job for job in await svc.jobs.list(limit=1000, states=_UNFINISHED) if job.file_id in ids]
    if users:
        raise FileInUseError(min(ids), name, sorted(job.id for job in users))
    for stored in matching:
        await svc.files.delete(stored.id)
    return web.Response(status=204)


@routes.get(f"/downloads/files/{ORIGIN}/{{name}}")
async def download_file(request: web.Request) -> web.FileResponse:
    """The newest stored file of this name, as a download."""
    svc = services(request)
    stored = await _named(svc, request.match_info["name"])
    path = await svc.files.path_of(stored.id)
    disposition = f"attachment; filename*=UTF-8''{quote_name(stored.name)}"
    return web.FileResponse(path, headers={"Content-Disposition": disposition})


def check_file_name(name: str | None) -> str:
    """An uploaded file's name must be a plain name: no folder, no way out of the store, no control characters."""
    if not name:
        raise BadRequestError(f'the "{FILE_FIELD}" field has no file name; send it as a file upload')
    if _CONTROL.search(name):
        raise BadRequestError(f"file name {name!r} contains a control character; name it like 'part.gcode'")
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        raise BadRequestError(f"file name {name!r} is an absolute path; send the plain name, like 'part.gcode'")
    parts = _SEPARATORS.split(name)
    if ".." in parts:
        raise BadRequestError(f"file name {name!r} points outside the upload folder ('..'); send the plain name")
    if len(parts) > 1:
        raise BadRequestError(f"file name {name!r} contains a folder; PrintEdge keeps files in one flat list")
    return name


def check_folder(path: str | None) -> None:
    """The "path" field (a folder) is accepted and ignored, unless it leaves the store or holds control characters."""
    if not path:
        return
    if _CONTROL.search(path):
        raise BadRequestError(f"folder {path!r} contains a control character")
    if ".." in _SEPARATORS.split(path):
        raise BadRequestError(f"folder {path!r} points outside the upload folder ('..')")


async def _receive(request: web.Request) -> tuple[StoredFile, dict[str, str]]:
    """Read every part: fields as text, the file streamed into the store; nothing is kept if the request is bad."""
    store = services(request).files
    reader = await request.multipart()
    fields: dict[str, str] = {}
    stored: StoredFile | None = None
    try:
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise BadRequestError("nested multipart bodies are not supported; send the file as a plain part")
            if part.name != FILE_FIELD:
                fields[part.name or ""] = await _field_text(part)
                check_folder(fields.get("path"))
                continue
            if stored is not None:
                raise BadRequestError(f'the upload has more than one "{FILE_FIELD}" field; send one file at a time')
            stored = await store_upload(store, check_file_name(part.filename), read_part(part), None)
        if stored is None:
            given = ", ".join(repr(name) for name in fields) or "none"
            raise BadRequestError(f'multipart body has no "{FILE_FIELD}" field (fields given: {given})')
    except HttpProcessingError as exc:
        await _discard(store, stored)
        raise BadRequestError(f"malformed multipart body: {exc.message}") from None
    except BaseException:
        await _discard(store, stored)
        raise
    return stored, fields


async def _discard(store: FileStore, stored: StoredFile | None) -> None:
    """The file arrived but the request around it is bad: keep nothing."""
    if stored is not None:
        with contextlib.suppress(PrintEdgeError):
            await store.delete(stored.id)


async def _field_text(part: BodyPartReader) -> str:
    data = bytearray()
    while chunk := await part.read_chunk(4096):
        data += chunk
        if len(data) > MAX_FIELD_BYTES:
            raise BadRequestError(f"form field {part.name!r} is longer than {MAX_FIELD_BYTES} bytes")
    return data.decode("utf-8", "replace")


async def _by_name(svc: Services) -> list[StoredFile]:
    """The newest stored file of each name, newest first."""
    seen: set[str] = set()
    result: list[StoredFile] = []
    for stored in await svc.files.list():
        if stored.name not in seen:
            seen.add(stored.name)
            result.append(stored)
    return result


async def _named(svc: Services, name: str) -> StoredFile:
    for stored in await svc.files.list():
        if stored.name == name:
            return stored
    raise NotFoundError("file", name)


async def _disk_usage(svc: Services) -> tuple[int | None, int | None]:
    """Free and total bytes of the store's disk (None when it cannot be read)."""
    try:
        usage = await asyncio.to_thread(shutil.disk_usage, svc.files.root)
    except OSError:
        return None, None
    return usage.free, usage.total


def _base_url(request: web.Request) -> str:
    return str(request.url.origin())

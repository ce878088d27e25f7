"""File endpoints: streamed G-code uploads, listing, details and deletion."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import BodyPartReader, web

from edge.core.errors import FileRejectedError
from edge.store.files import FileStore, StoredFile
from edge.store.upload import sanitise_name
from edge.web.context import services
from edge.web.errors import BadRequestError, FileTooLargeError, UnsupportedFileTypeError
from edge.web.models.common import IdPath
from edge.web.models.files import UPLOAD, UploadQuery
from edge.web.schema import ApiRoutes, read_path, read_query, reply

log = logging.getLogger("printedge.web")

api = ApiRoutes("files")
routes = api.routes

CHUNK_SIZE = 64 * 1024
FILE_FIELD = "file"
# Room for multipart boundaries and headers around the file itself.
MULTIPART_SLACK = 64 * 1024


class _Counted:
    """An upload's chunks, counted on the way to the store (to tell 'too large' from other rejections)."""

    def __init__(self, source: AsyncIterator[bytes]) -> None:
        self.source = source
        self.received = 0

    async def chunks(self) -> AsyncIterator[bytes]:
        """Pass chunks through, counting bytes."""
        async for chunk in self.source:
            self.received += len(chunk)
            yield chunk


@api.post(
    "/api/v1/files",
    raw_body=UPLOAD,
    query=UploadQuery,
    responses={201: StoredFile},
    errors={
        400: "no `file` field, or neither multipart nor ?name= (`bad_request`); a broken body (`malformed_body`); "
        "the upload ended early (`request_incomplete`)",
        413: "larger than api.max_upload_mb (`file_too_large`)",
        415: "the name does not end in .gcode, .gco or .g (`unsupported_file_type`)",
        422: "not acceptable G-code: empty, binary, a line too long, a temperature over the limits (`file_rejected`)",
        507: "not enough free space to store it safely (`disk_full`)",
    },
)
async def post_file(request: web.Request) -> web.Response:
    """Store an upload: multipart/form-data with a "file" field, or a raw body with ?name=...

    The upload is streamed to disk, checked and analysed on the way; a rejected one leaves nothing behind.
    """
    store = services(request).files
    name = read_query(request, UploadQuery).name
    length = request.content_length
    if length is not None and length > store.max_bytes + MULTIPART_SLACK:
        raise FileTooLargeError(name or "upload", _too_large(store, f"the request is {length} bytes"))
    if request.content_type.startswith("multipart/"):
        stored = await _store_multipart(request, store)
    elif name is not None:
        stored = await store_upload(store, name, request.content.iter_chunked(CHUNK_SIZE), request.content_length)
    else:
        raise BadRequestError(
            f'upload needs a multipart/form-data body with a "{FILE_FIELD}" field, or a raw body with '
            f"?name=<file name>; got Content-Type {request.content_type!r} and no name"
        )
    log.info("uploaded file %d (%r, %d bytes) from %s", stored.id, stored.name, stored.size, request.remote)
    return reply(request, stored.to_dict(), status=201)


@api.get("/api/v1/files", responses={200: list[StoredFile]})
async def list_files(request: web.Request) -> web.Response:
    """Every stored file, newest first."""
    stored = await services(request).files.list()
    return reply(request, [item.to_dict() for item in stored])


@api.get("/api/v1/files/{id}", path_params=IdPath, responses={200: StoredFile})
async def get_file(request: web.Request) -> web.Response:
    """One stored file with its analysis."""
    stored = await services(request).files.get(read_path(request, IdPath).id)
    return reply(request, stored.to_dict())


@api.delete(
    "/api/v1/files/{id}",
    path_params=IdPath,
    responses={204: None},
    errors={409: "an unfinished job uses the file (`file_in_use`)"},
)
async def delete_file(request: web.Request) -> web.Response:
    """Delete a stored file unless an unfinished job uses it; finished jobs keep their history."""
    await services(request).files.delete(read_path(request, IdPath).id)
    return web.Response(status=204)


async def _store_multipart(request: web.Request, store: FileStore) -> StoredFile:
    reader = await request.multipart()
    seen: list[str] = []
    while (part := await reader.next()) is not None:
        if isinstance(part, BodyPartReader) and part.name == FILE_FIELD:
            name = part.filename or ""
            if not name:
                raise BadRequestError(f'the "{FILE_FIELD}" field has no file name; send it as a file upload')
            return await store_upload(store, name, read_part(part), None)
        seen.append(repr(part.name) if isinstance(part, BodyPartReader) else "(nested multipart)")
        if isinstance(part, BodyPartReader):
            await part.release()
    raise BadRequestError(f'multipart body has no "{FILE_FIELD}" field (fields given: {", ".join(seen) or "none"})')


async def store_upload(store: FileStore, name: str, source: AsyncIterator[bytes], size_hint: int | None) -> StoredFile:
    """Store one upload by name, telling "too large" (413) and "not a G-code name" (415) from other rejections."""
    try:
        sanitise_name(name)
    except FileRejectedError as exc:
        raise UnsupportedFileTypeError(exc.name, exc.reason) from None
    if size_hint is not None and size_hint > store.max_bytes:
        raise FileTooLargeError(name, _too_large(store, f"it is {size_hint} bytes"))
    counted = _Counted(source)
    try:
        return await store.add(name, counted.chunks())
    except FileRejectedError:
        if counted.received > store.max_bytes:
            raise FileTooLargeError(name, _too_large(store, f"received {counted.received} bytes")) from None
        raise


async def read_part(part: BodyPartReader) -> AsyncIterator[bytes]:
    """A multipart part's content in chunks."""
    while chunk := await part.read_chunk(CHUNK_SIZE):
        yield chunk


def _too_large(store: FileStore, got: str) -> str:
    return f"is larger than the limit of {store.max_bytes} bytes ({got}); split the print or raise api.max_upload_mb"

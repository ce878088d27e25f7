"""File endpoints: streamed G-code uploads, listing, details and deletion."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import BodyPartReader, web

from edge.core.errors import FileRejectedError
from edge.store.files import FileStore, StoredFile
from edge.store.upload import sanitise_name
from edge.web.context import path_id, services
from edge.web.errors import BadRequestError, FileTooLargeError, UnsupportedFileTypeError

log = logging.getLogger("printedge.web")

routes = web.RouteTableDef()

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


@routes.post("/api/v1/files")
async def post_file(request: web.Request) -> web.Response:
    """Store an upload: multipart/form-data with a "file" field, or a raw body with ?name=..."""
    store = services(request).files
    length = request.content_length
    if length is not None and length > store.max_bytes + MULTIPART_SLACK:
        raise FileTooLargeError(
            request.query.get("name", "upload"), _too_large(store, f"the request is {length} bytes")
        )
    if request.content_type.startswith("multipart/"):
        stored = await _store_multipart(request, store)
    elif "name" in request.query:
        stored = await _store_raw(request, store)
    else:
        raise BadRequestError(
            f'upload needs a multipart/form-data body with a "{FILE_FIELD}" field, or a raw body with '
            f"?name=<file name>; got Content-Type {request.content_type!r} and no name"
        )
    log.info("uploaded file %d (%r, %d bytes) from %s", stored.id, stored.name, stored.size, request.remote)
    return web.json_response(stored.to_dict(), status=201)


@routes.get("/api/v1/files")
async def list_files(request: web.Request) -> web.Response:
    """Every stored file, newest first."""
    stored = await services(request).files.list()
    return web.json_response([item.to_dict() for item in stored])


@routes.get("/api/v1/files/{id}")
async def get_file(request: web.Request) -> web.Response:
    """One stored file with its analysis."""
    stored = await services(request).files.get(path_id(request, "file"))
    return web.json_response(stored.to_dict())


@routes.delete("/api/v1/files/{id}")
async def delete_file(request: web.Request) -> web.Response:
    """Delete a stored file unless an unfinished job uses it."""
    await services(request).files.delete(path_id(request, "file"))
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


async def _store_raw(request: web.Request, store: FileStore) -> StoredFile:
    name = request.query["name"]
    return await store_upload(store, name, request.content.iter_chunked(CHUNK_SIZE), request.content_length)


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

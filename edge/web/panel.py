"""The panel's files: index at /, the rest under /static/, read once into memory, gzipped where it pays."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import logging
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from aiohttp import hdrs, web

log = logging.getLogger("printedge.web")

STATIC_DIR = Path(__file__).parent / "static"
# Small files are not worth compressing; binary formats are compressed already.
GZIP_MIN_BYTES = 512
GZIP_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")
# Revalidated on every load (ETag answers 304): an update of the device shows at once, without a build step.
CACHE_CONTROL = "no-cache"
TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


@dataclass(frozen=True, slots=True)
class Asset:
    """One file of the panel, ready to serve."""

    body: bytes
    gzipped: bytes | None
    content_type: str
    etag: str


class PanelAssets:
    """Every file under edge/web/static, loaded in a worker thread when the server starts."""

    def __init__(self, root: Path = STATIC_DIR) -> None:
        self.root = root
        self._assets: dict[str, Asset] = {}

    async def load(self) -> None:
        """Read and compress the files off the event loop."""
        self._assets = await asyncio.to_thread(_load_all, self.root)
        log.debug("panel: %d files from %s", len(self._assets), self.root)

    def response(self, request: web.Request, name: str) -> web.Response:
        """The file as a response: 304 when the client has it, gzip when it accepts it."""
        asset = self._assets.get(name)
        if asset is None:
            raise web.HTTPNotFound()
        headers = {hdrs.CACHE_CONTROL: CACHE_CONTROL, hdrs.ETAG: asset.etag, hdrs.VARY: "Accept-Encoding"}
        if asset.etag in request.headers.get(hdrs.IF_NONE_MATCH, ""):
            return web.Response(status=304, headers=headers)
        body = asset.body
        if asset.gzipped is not None and "gzip" in request.headers.get(hdrs.ACCEPT_ENCODING, ""):
            body = asset.gzipped
            headers[hdrs.CONTENT_ENCODING] = "gzip"
        charset = "utf-8" if asset.content_type.startswith(("text/", "application/javascript")) else None
        return web.Response(body=body, headers=headers, content_type=asset.content_type, charset=charset)


def _load_all(root: Path) -> dict[str, Asset]:
    assets: dict[str, Asset] = {}
    if not root.is_dir():
        log.warning("panel files are missing (%s): only the API is served", root)
        return assets
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            assets[path.relative_to(root).as_posix()] = _asset(path)
    return assets


def _asset(path: Path) -> Asset:
    body = path.read_bytes()
    content_type = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    gzipped = None
    if len(body) >= GZIP_MIN_BYTES and content_type.startswith(GZIP_TYPES):
        gzipped = gzip.compress(body, compresslevel=9, mtime=0)
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    return Asset(body, gzipped, content_type, etag)


PANEL = web.AppKey("panel", PanelAssets)
routes = web.RouteTableDef()


@routes.get("/")
async def get_index(request: web.Request) -> web.Response:
    """The panel's page."""
    return request.app[PANEL].response(request, "index.html")


@routes.get("/static/{name:.+}")
async def get_static(request: web.Request) -> web.Response:
    """A file of the panel: script, style sheet or image."""
    return request.app[PANEL].response(request, request.match_info["name"])

"""The OpenAPI document, generated from the routes' declarations, and a page on the device that shows it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from aiohttp import web

import edge
from edge.web.schema import Access, ApiRoutes, Raw, read_path, reply
from edge.web.schema.openapi import build_document

api = ApiRoutes("docs")
routes = api.routes

DESCRIPTION = (
    "The HTTP API of a PrintEdge print appliance. Every error has the body "
    '`{"error": code, "message": sentence}`. Send an API key as `X-Api-Key` or `Authorization: Bearer`; '
    "a panel session sends its cookie and, with every change, `X-CSRF-Token`. "
    "This document is generated from the models the handlers read and answer."
)
DOCUMENT = web.AppKey("openapi_document", dict[str, object])
# Read once at import: small files, and no blocking file I/O on the event loop later.
_ASSETS_DIR = Path(__file__).with_name("apidocs")
_ASSETS: dict[str, tuple[bytes, str]] = {
    name: ((_ASSETS_DIR / name).read_bytes(), content_type)
    for name, content_type in (("index.html", "text/html"), ("docs.js", "text/javascript"), ("docs.css", "text/css"))
}


@dataclass(frozen=True)
class AssetPath:
    """A file of the docs page."""

    asset: Literal["docs.js", "docs.css"]


@api.get("/api/v1/openapi.json", access=Access.PUBLIC, responses={200: dict[str, object]})
async def get_openapi(request: web.Request) -> web.Response:
    """This document: OpenAPI 3.1, generated from the models and declarations of the handlers."""
    return reply(request, openapi_document(request.app))


@api.get(
    "/api/v1/docs",
    access=Access.PUBLIC,
    responses={200: Raw({"text/html": {"type": "string"}}, "the page")},
)
async def get_docs(request: web.Request) -> web.Response:
    """A page that shows this document: endpoints by tag, their parameters, bodies and answers."""
    return _asset("index.html")


@api.get(
    "/api/v1/docs/{asset}",
    access=Access.PUBLIC,
    path_params=AssetPath,
    responses={200: Raw({"text/javascript": {"type": "string"}, "text/css": {"type": "string"}}, "the file")},
)
async def get_docs_asset(request: web.Request) -> web.Response:
    """The docs page's script and style sheet."""
    return _asset(read_path(request, AssetPath).asset)


def openapi_document(app: web.Application) -> dict[str, object]:
    """The app's OpenAPI document, built on first use (the routes are fixed once the app runs)."""
    cache = app.get(DOCUMENT)
    if cache is None:
        raise RuntimeError("bug: the app has no OpenAPI cache; add routes_docs.setup(app)")
    if not cache:
        cache.update(build_document(app, title="PrintEdge API", version=edge.__version__, description=DESCRIPTION))
    return cache


def setup(app: web.Application) -> None:
    """Give the app a place for its OpenAPI document (built when first asked for)."""
    app[DOCUMENT] = {}


def _asset(name: str) -> web.Response:
    body, content_type = _ASSETS[name]
    return web.Response(body=body, content_type=content_type, charset="utf-8")

"""The G-code preview: a file's layers and one layer's toolpath, computed in a worker thread and cached."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from pathlib import Path

from aiohttp import web

from edge.core.errors import NotFoundError
from edge.gcode.layers import Layer, index_layers, layer_segments
from edge.web.context import services
from edge.web.models.common import IdPath
from edge.web.models.panel import LayerIndex, LayerPath, LayerToolpath
from edge.web.schema import ApiRoutes, read_path, reply

api = ApiRoutes("files")
routes = api.routes

# Layer indexes kept for this many files (the printing one and a few being browsed).
CACHED_FILES = 8


class LayerIndexCache:
    """Layer indexes by file id and content hash; each file is indexed once, however many ask at the same time."""

    def __init__(self, size: int = CACHED_FILES) -> None:
        self._size = size
        self._tasks: OrderedDict[tuple[int, str], asyncio.Task[list[Layer]]] = OrderedDict()

    async def layers(self, file_id: int, sha256: str, path: Path) -> list[Layer]:
        """The file's layers, indexed off the event loop on first use."""
        key = (file_id, sha256)
        task = self._tasks.get(key)
        if task is None or (task.done() and task.exception() is not None):
            task = asyncio.create_task(asyncio.to_thread(index_layers, path), name=f"web.preview.index.{file_id}")
            self._tasks[key] = task
        self._tasks.move_to_end(key)
        while len(self._tasks) > self._size:
            _, old = self._tasks.popitem(last=False)
            if not old.done():
                old.cancel()
        # shield: one client going away must not cancel the indexing another client waits for.
        return await asyncio.shield(task)


PREVIEW_CACHE = web.AppKey("preview_cache", LayerIndexCache)


@api.get("/api/v1/files/{id}/layers", path_params=IdPath, responses={200: LayerIndex})
async def get_layers(request: web.Request) -> web.Response:
    """Every layer of a file: number, Z and byte range (layer 0 is what comes before the first layer)."""
    file_id, _, layers = await _indexed(request, read_path(request, IdPath).id)
    machine = services(request).config.printer.machine
    return reply(
        request,
        {
            "file_id": file_id,
            "bed": {"width_mm": machine.width_mm, "depth_mm": machine.depth_mm},
            "layers": [layer.to_dict() for layer in layers],
        },
    )


@api.get("/api/v1/files/{id}/layers/{n}", path_params=LayerPath, responses={200: LayerToolpath})
async def get_layer(request: web.Request) -> web.Response:
    """One layer's moves: [x0, y0, x1, y1, extruding, end byte] each, thinned to a bounded count."""
    where = read_path(request, LayerPath)
    file_id, path, layers = await _indexed(request, where.id)
    number = where.n
    layer = next((item for item in layers if item.number == number), None)
    if layer is None:
        raise NotFoundError(f"file {file_id} (layers 0 to {layers[-1].number}): layer", number)
    segments, thinned = await asyncio.to_thread(layer_segments, path, layer)
    return reply(
        request,
        layer.to_dict()
        | {"file_id": file_id, "thinned": thinned, "segments": [segment.to_list() for segment in segments]},
    )


async def _indexed(request: web.Request, file_id: int) -> tuple[int, Path, list[Layer]]:
    svc = services(request)
    stored = await svc.files.get(file_id)
    path = await svc.files.path_of(stored.id)
    layers = await request.app[PREVIEW_CACHE].layers(stored.id, stored.sha256, path)
    return stored.id, path, layers

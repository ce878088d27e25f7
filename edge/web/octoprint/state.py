"""What the OctoPrint-compatible API keeps between requests: the selected file, temperature history, commands."""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web

from edge.core.errors import PrintEdgeError
from edge.core.events import TemperatureReport
from edge.web.context import SERVICES

log = logging.getLogger("printedge.web.octoprint")

# OctoPrint keeps 30 minutes of temperatures; at one report every 2 s that is 900 points.
HISTORY_POINTS = 900


@dataclass(frozen=True, slots=True)
class Selection:
    """The file an OctoPrint client selected (upload with select=true, or the select command)."""

    file_id: int
    at: float


@dataclass(frozen=True, slots=True)
class TemperaturePoint:
    """One temperature report, kept for ?history=true."""

    time: float
    hotend: float
    hotend_target: float
    bed: float
    bed_target: float


class OctoPrintState:
    """The selection, the temperature history and the manual commands still running after their answer."""

    def __init__(self) -> None:
        self.selection: Selection | None = None
        self.history: collections.deque[TemperaturePoint] = collections.deque(maxlen=HISTORY_POINTS)
        self._commands: set[asyncio.Task[int]] = set()
        self._answered: set[asyncio.Task[int]] = set()

    def select(self, file_id: int) -> None:
        """Remember the file a client selected."""
        self.selection = Selection(file_id, time.time())

    def track(self, task: asyncio.Task[int]) -> None:
        """Keep a manual command's task until it ends, and log a failure nobody was told about."""
        self._commands.add(task)
        task.add_done_callback(self._done)

    def answered(self, task: asyncio.Task[int]) -> None:
        """The client was told how the task ended: nothing to log."""
        self._answered.add(task)

    def _done(self, task: asyncio.Task[int]) -> None:
        self._commands.discard(task)
        told = task in self._answered
        self._answered.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is None or told:
            return
        message = error.message if isinstance(error, PrintEdgeError) else repr(error)
        log.warning("a manual command failed after its 204 answer (%s): %s", task.get_name(), message)

    async def cancel_commands(self) -> None:
        """Cancel the commands still running (the server is stopping)."""
        tasks = list(self._commands)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)


OCTOPRINT = web.AppKey("octoprint", OctoPrintState)


def octoprint_state(request: web.Request) -> OctoPrintState:
    """The OctoPrint API's state."""
    return request.app[OCTOPRINT]


async def follow_temperatures(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: keep the temperature history while the app runs; cancel running commands at the end."""
    state = app[OCTOPRINT]
    subscription = app[SERVICES].bus.subscribe(TemperatureReport, maxsize=16)

    async def follow() -> None:
        async for event in subscription:
            if isinstance(event, TemperatureReport):
                state.history.append(
                    TemperaturePoint(time.time(), event.hotend, event.hotend_target, event.bed, event.bed_target)
                )

    task = asyncio.create_task(follow(), name="web.octoprint.temperatures")
    try:
        yield
    finally:
        subscription.close()
        task.cancel()
        await asyncio.wait({task})
        await state.cancel_commands()

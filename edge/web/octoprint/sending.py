"""Manual G-code for OctoPrint clients: through the control surface, answered once accepted, as OctoPrint does."""

from __future__ import annotations

import asyncio

from aiohttp import web

from edge.web.context import caller, services
from edge.web.octoprint.state import octoprint_state

# OctoPrint answers 204 as soon as commands are queued. PrintEdge waits this long for the printer's
# acknowledgement, so a refusal (safety filter, policy, link) is still the answer; a long command
# (homing, heating) goes on after the answer and is audited either way.
ACCEPT_WAIT_S = 2.0


async def send_gcode(request: web.Request, commands: list[str]) -> None:
    """Send commands through the control surface; raise its refusal, or return once they run."""
    state = octoprint_state(request)
    control = services(request).control
    task = asyncio.create_task(
        control.send_gcode(caller(request), commands), name=f"web.octoprint.gcode {'; '.join(commands)[:60]}"
    )
    state.track(task)
    # wait() rather than wait_for(): a client that goes away must not cancel commands already on their way.
    done, _ = await asyncio.wait({task}, timeout=ACCEPT_WAIT_S)
    if task in done:
        state.answered(task)
        task.result()

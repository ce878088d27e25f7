"""Shared helpers for the GPIO and safety tests: an appliance on the mock pin factory and the simulator."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from edge.app import Appliance
from edge.control.caller import Caller, CallerKind
from edge.printer.simulator import VirtualPrinter
from edge.store.records import Job
from tests.web.conftest import started
from tests.web.web_helpers import slow_print

OWNER = Caller(CallerKind.USER, "owner")
PINS = {"runout": 17, "door": 27, "button": 22, "psu": 23, "led": 24}

GPIO_ENV = {
    "gpio__pin_factory": "mock",
    "gpio__runout__pin": str(PINS["runout"]),
    "gpio__runout__debounce_ms": "0",
    "gpio__door__pin": str(PINS["door"]),
    "gpio__door__debounce_ms": "0",
    "gpio__button__pin": str(PINS["button"]),
    "gpio__psu__pin": str(PINS["psu"]),
    "gpio__psu__idle_off_s": "0",
    "gpio__led__pin": str(PINS["led"]),
    "simulator__executed_memory_lines": "100000",
}


async def gpio_appliance(data_dir: Path, **overrides: str) -> Appliance:
    """A started appliance with every GPIO device on the mock factory (the caller stops it)."""
    return await started(data_dir, **(GPIO_ENV | overrides))


def simulator(app: Appliance) -> VirtualPrinter:
    """The appliance's virtual printer."""
    assert app.simulator is not None
    return app.simulator


async def until(check: Callable[[], bool], within: float = 10.0, what: str = "condition") -> None:
    """Wait until check() holds."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {within} s")
        await asyncio.sleep(0.02)


async def store_print(app: Appliance, data: bytes, name: str = "part.gcode") -> int:
    """Store G-code the way an upload does; its file id."""
    tmp = app.data_dir / f"upload-{name}"
    await asyncio.to_thread(tmp.write_bytes, data)
    stored = await app.services.files.add_path(name, tmp)
    return stored.id


async def start_print(app: Appliance, moves: int = 600, feedrate: float = 60.0) -> Job:
    """Store a slow print and start it as the owner; the job once it prints."""
    file_id = await store_print(app, slow_print(moves, feedrate))
    job = await app.services.control.start_job(OWNER, file_id)
    await until(lambda: app.manager.runner is not None and app.manager.current is not None, what="job start")
    return job


async def wait_job(app: Appliance, job_id: int, state: str, within: float = 20.0) -> None:
    """Wait until the stored job is in `state`."""
    deadline = time.monotonic() + within
    while (job := await app.services.jobs.get(job_id)).state.value != state:
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} is {job.state.value}, not {state}, after {within} s")
        await asyncio.sleep(0.05)

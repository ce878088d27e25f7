"""Filament runout: a print pauses and parks; it resumes where it stopped once filament is back and the owner says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.core.errors import InterlockError
from edge.core.events import SensorEvent
from edge.printer.outcome import RunPhase
from edge.store.records import JobState
from tests.sensors.gpio_helpers import OWNER, gpio_appliance, simulator, start_print, store_print, until, wait_job
from tests.web.web_helpers import slow_print


async def test_runout_mid_print_parks_and_the_job_resumes_where_it_stopped_after_the_owner_confirms(
    tmp_path: Path,
) -> None:
    app = await gpio_appliance(tmp_path / "data")
    sensors, sim = app.sensors, simulator(app)
    events = app.services.bus.subscribe(SensorEvent)
    try:
        job = await start_print(app, moves=300)
        runner = app.manager.runner
        assert runner is not None
        await until(lambda: runner.progress().lines_done > 40, what="some lines printed")
        await sensors.simulate("runout", True)
        await until(lambda: runner.phase is RunPhase.PAUSED, what="pause")
        await until(lambda: sim.position["y"] == app.config.jobs.park_y, what="park")
        assert sim.position["x"] == app.config.jobs.park_x
        event = await events.get()
        assert isinstance(event, SensorEvent) and event.device == "runout" and event.state == "runout"

        with pytest.raises(InterlockError, match="filament has run out"):
            await app.services.control.resume(OWNER, job.id)
        await sensors.simulate("runout", False)
        assert runner.phase is RunPhase.PAUSED  # filament is back, but only the owner resumes
        await app.services.control.resume(OWNER, job.id)
        # The store records the end just after the runner lets go: wait for the record itself.
        await wait_job(app, job.id, JobState.COMPLETED.value, within=20)
        # Every extruding move of the file ran exactly once, in order: the job went on where it stopped.
        expected = [line for line in slow_print(300).decode().splitlines() if " E0.2 " in line]
        ran = [e.command for e in sim.executed if " E0.2 " in e.command]
        assert ran == expected
    finally:
        events.close()
        await app.stop()


async def test_a_start_is_refused_while_the_filament_is_out_and_allowed_once_it_is_back(tmp_path: Path) -> None:
    app = await gpio_appliance(tmp_path / "data")
    try:
        file_id = await store_print(app, slow_print(20))
        await app.sensors.simulate("runout", True)
        await until(lambda: app.sensors.inputs["runout"].active, what="runout read")
        with pytest.raises(InterlockError, match=r"cannot start: the filament has run out \(gpio.runout\)"):
            await app.services.control.start_job(OWNER, file_id)
        await app.sensors.simulate("runout", False)
        await until(lambda: not app.sensors.inputs["runout"].active, what="filament read")
        job = await app.services.control.start_job(OWNER, file_id)
        await wait_job(app, job.id, "completed")
    finally:
        await app.stop()

"""The door refuses a start; the emergency-stop button halts the printer, cuts its power, and holds it halted."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.core.errors import InterlockError
from edge.printer.link import LinkState
from tests.sensors.gpio_helpers import OWNER, gpio_appliance, simulator, start_print, store_print, until
from tests.web.conftest import client
from tests.web.web_helpers import slow_print


async def test_an_open_door_refuses_a_start_with_a_clear_error(tmp_path: Path) -> None:
    app = await gpio_appliance(tmp_path / "data")
    try:
        file_id = await store_print(app, slow_print(20))
        await app.sensors.simulate("door", True)
        await until(lambda: app.sensors.inputs["door"].active, what="door open")
        async with client(app) as api, api.post("/api/v1/jobs", json={"file_id": file_id}) as response:
            body = await response.json()
        assert response.status == 409, body
        assert body["error"] == "interlock" and "door is open" in body["message"]
        assert await app.services.jobs.next_queued() is None
    finally:
        await app.stop()


async def test_the_button_halts_the_printer_cuts_the_power_and_keeps_it_halted_while_held(tmp_path: Path) -> None:
    app = await gpio_appliance(tmp_path / "data")
    sim = simulator(app)
    psu = app.sensors.psu
    assert psu is not None and psu.powered
    try:
        await start_print(app)
        await app.sensors.simulate("button", True)
        await until(lambda: sim.stats.emergency_stop_at is not None, what="M112 at the printer")
        await until(lambda: not psu.powered, what="power off")
        assert app.services.link.state is LinkState.HALTED
        await until(lambda: app.manager.runner is None, what="job end")
        with pytest.raises(InterlockError, match="emergency-stop button is held down"):
            await app.services.control.reset(OWNER)
        await app.sensors.simulate("button", False)
        await until(lambda: not app.sensors.inputs["button"].active, what="release")
        await app.services.control.set_power(OWNER, True)
        await app.services.control.reset(OWNER)
        assert app.services.link.state is LinkState.READY
        audit = await app.services.control.audit(caller_kind="gpio")
        assert [entry.action for entry in audit] == ["emergency_stop"]
    finally:
        await app.stop()

"""The PSU relay: on before a job starts; off only once idle and cool; never while printing or hot."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from edge.core.errors import PowerError
from edge.core.events import JobStateChanged, SensorEvent
from tests.sensors.gpio_helpers import OWNER, PINS, gpio_appliance, simulator, start_print, until


async def test_the_printer_is_powered_on_before_a_job_starts(tmp_path: Path) -> None:
    app = await gpio_appliance(tmp_path / "data")
    psu = app.sensors.psu
    assert psu is not None
    events = app.services.bus.subscribe(SensorEvent, JobStateChanged)
    try:
        await app.services.control.set_power(OWNER, False)
        assert not psu.powered
        await start_print(app, moves=40)
        assert psu.powered
        seen = []
        while (event := events.get_nowait()) is not None:
            seen.append(event.state if isinstance(event, JobStateChanged) else f"{event.device}:{event.state}")
        assert seen.index("psu:on") < seen.index("printing"), seen
    finally:
        events.close()
        await app.stop()


async def test_the_relay_goes_off_only_once_idle_and_cool(tmp_path: Path) -> None:
    app = await gpio_appliance(
        tmp_path / "data",
        simulator__time_scale="0.05",
        gpio__psu__idle_off_s="1.0",
        gpio__psu__cool_below_c="50",
    )
    psu = app.sensors.psu
    assert psu is not None
    hotend = simulator(app).hotend
    try:
        await app.services.control.send_gcode(OWNER, ["M104 S200"])
        await until(lambda: (app.services.link.temperatures.hotend or 0) > 60, what="hot")
        await app.services.control.set_power(OWNER, True)  # it may have gone off, idle and cool, before
        with pytest.raises(PowerError, match=r"the hotend is at \d+°C, not below gpio.psu.cool_below_c"):
            await app.services.control.set_power(OWNER, False)
        await asyncio.sleep(2.0)
        assert psu.powered  # hot: stays on however long it idles
        await app.services.control.send_gcode(OWNER, ["M104 S0"])
        await until(lambda: not psu.powered, within=10, what="power off once cool")
        assert hotend.temperature < 50
        assert app.sensors.device_status("psu")["pins"] == {"pin": PINS["psu"]}
    finally:
        await app.stop()


async def test_the_relay_stays_on_while_printing_and_manual_off_is_refused(tmp_path: Path) -> None:
    app = await gpio_appliance(tmp_path / "data", gpio__psu__idle_off_s="0.3")
    psu = app.sensors.psu
    assert psu is not None
    try:
        await start_print(app, moves=200)
        with pytest.raises(PowerError, match="while a job is printing"):
            await app.services.control.set_power(OWNER, False)
        await until(lambda: app.manager.runner is None, within=20, what="job end")
        await until(lambda: not psu.powered, within=10, what="idle power off")
    finally:
        await app.stop()

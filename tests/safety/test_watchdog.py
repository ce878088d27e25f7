"""The host thermal watchdog trips on each simulated heater fault, with the reason, and never on a normal print."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from edge.app import Appliance
from edge.core.events import SafetyTrip
from edge.printer.link import LinkState
from tests.sensors.gpio_helpers import OWNER, gpio_appliance, simulator, store_print, until, wait_job

# Heating is gradual (the hotend's time constant is 1 s), readings come once a second.
THERMAL = {"simulator__time_scale": "0.05", "safety__heat_check_s": "3", "safety__stuck_s": "30"}

NORMAL_PRINT = b"""M140 S60
M104 S210
M190 S60
M109 S210
G28
G90
M83
G1 Z0.2 F600
G1 X20 Y10 E0.5 F1200
G1 X20 Y20 E0.5
M104 S200
G1 X10 Y20 E0.5
G4 S2
G1 X10 Y10 E0.5
M104 S0
M140 S0
"""


async def tripped(app: Appliance, within: float = 10.0) -> SafetyTrip:
    """Wait for the watchdog to stop the printer; the event it published."""
    await until(lambda: app.watchdog.trips > 0, within=within, what="a watchdog trip")
    trip = app.watchdog.tripped
    assert trip is not None
    sim = simulator(app)
    await until(lambda: sim.stats.emergency_stop_at is not None, what="M112 at the printer")
    assert app.services.link.state is LinkState.HALTED
    psu = app.sensors.psu
    assert psu is not None
    await until(lambda: not psu.powered, what="power off")
    return SafetyTrip(
        heater=trip.heater, rule=trip.rule, temperature=trip.temperature, target=trip.target, detail=trip.detail
    )


async def test_a_dead_heater_that_does_not_approach_its_target_trips(tmp_path: Path) -> None:
    app = await gpio_appliance(tmp_path / "data", **THERMAL, simulator__hotend_fault="dead")
    try:
        await app.services.control.send_gcode(OWNER, ["M104 S200"])
        event = await tripped(app)
        assert (event.heater, event.rule) == ("hotend", "not_heating")
        assert "toward its target 200°C" in event.detail
        audit = await app.services.control.audit(action="emergency_stop")
        assert "thermal watchdog" in audit[0].detail
    finally:
        await app.stop()


async def test_an_open_thermistor_trips_as_an_impossible_reading(tmp_path: Path) -> None:
    app = await gpio_appliance(tmp_path / "data", **THERMAL)
    events = app.services.bus.subscribe(SafetyTrip)
    try:
        simulator(app).set_heater_fault("hotend", "thermistor_open")
        await tripped(app)
        event = await asyncio.wait_for(events.get(), 5)
        assert isinstance(event, SafetyTrip)
        assert (event.heater, event.rule, event.temperature) == ("hotend", "impossible_reading", -14.0)
        assert "disconnected or shorted thermistor" in event.detail
    finally:
        events.close()
        await app.stop()


async def test_a_stuck_reading_while_heating_trips(tmp_path: Path) -> None:
    app = await gpio_appliance(
        tmp_path / "data", **(THERMAL | {"safety__stuck_s": "2.5", "safety__heat_check_s": "30"})
    )
    try:
        await app.services.control.send_gcode(OWNER, ["M104 S200"])
        await until(lambda: (app.services.link.temperatures.hotend or 0) > 40, what="heating")
        simulator(app).set_heater_fault("hotend", "stuck")
        event = await tripped(app)
        assert (event.heater, event.rule) == ("hotend", "stuck_reading")
    finally:
        await app.stop()


async def test_a_temperature_rising_while_the_heater_is_off_trips(tmp_path: Path) -> None:
    app = await gpio_appliance(tmp_path / "data", **(THERMAL | {"simulator__time_scale": "0.5"}))
    try:
        simulator(app).set_heater_fault("bed", "runaway")
        event = await tripped(app)
        assert (event.heater, event.rule, event.target) == ("bed", "rising_while_off", 0.0)
    finally:
        await app.stop()


async def test_a_temperature_drifting_from_its_target_while_printing_trips(tmp_path: Path) -> None:
    app = await gpio_appliance(tmp_path / "data", **THERMAL, safety__drift_s="1")
    try:
        file_id = await store_print(app, NORMAL_PRINT.replace(b"G4 S2", b"G4 S60"))
        job = await app.services.control.start_job(OWNER, file_id)
        await until(lambda: app.watchdog._watches["hotend"].reached, within=15, what="hotend at temperature")
        simulator(app).set_heater_fault("hotend", "dead")
        event = await tripped(app)
        assert (event.heater, event.rule) == ("hotend", "drift")
        await until(lambda: app.manager.runner is None, what="job end")
        deadline = time.monotonic() + 10
        while not (ended := await app.services.jobs.get(job.id)).state.finished:
            assert time.monotonic() < deadline, f"job {job.id} is still {ended.state.value}"
            await asyncio.sleep(0.05)
        assert ended.state.value != "completed"
    finally:
        await app.stop()


async def test_a_normal_print_never_trips(tmp_path: Path) -> None:
    app = await gpio_appliance(tmp_path / "data", **THERMAL)
    try:
        file_id = await store_print(app, NORMAL_PRINT)
        job = await app.services.control.start_job(OWNER, file_id)
        await wait_job(app, job.id, "completed", within=30)
        await until(lambda: (app.services.link.temperatures.bed or 999) < 30, what="cooled")
        assert app.watchdog.trips == 0 and app.watchdog.tripped is None
        assert simulator(app).stats.emergency_stop_at is None
    finally:
        await app.stop()

"""The GPIO API: list devices, simulate an input on the mock factory (authenticated), switch the power relay."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from tests.sensors.gpio_helpers import PINS, gpio_appliance, until
from tests.web.conftest import client


async def test_devices_are_listed_and_a_simulated_door_reaches_the_appliance(tmp_path: Path) -> None:
    app = await gpio_appliance(tmp_path / "data")
    try:
        async with client(app) as api:
            async with api.get("/api/v1/gpio") as response:
                body = await response.json()
            assert response.status == 200 and body["pin_factory"] == "mock" and body["simulation"] is True
            devices = {device["name"]: device for device in body["devices"]}
            assert set(devices) == {"runout", "door", "button", "psu", "led"}
            assert devices["door"]["pins"] == {"pin": PINS["door"]} and devices["door"]["state"] == "closed"
            async with api.post("/api/v1/gpio/door/simulate", json={"active": True}) as response:
                door = await response.json()
            assert response.status == 200 and door["state"] == "open"
            await until(lambda: app.sensors.inputs["door"].active, what="door open")
            async with api.post("/api/v1/gpio/psu/simulate", json={"active": True}) as response:
                assert response.status == 400
            async with api.post("/api/v1/gpio/nozzle/simulate", json={"active": True}) as response:
                assert response.status == 404
            async with api.post("/api/v1/printer/power", json={"on": False}) as response:
                assert response.status == 200 and (await response.json()) == {"powered": False}
        async with (
            aiohttp.ClientSession(base_url=app.web.url) as anonymous,
            anonymous.post("/api/v1/gpio/door/simulate", json={"active": False}) as response,
        ):
            assert response.status == 401
    finally:
        await app.stop()


async def test_simulation_is_refused_without_the_mock_factory(tmp_path: Path) -> None:
    app = await gpio_appliance(tmp_path / "data")
    app.sensors.mock = False  # as on a Pi with real pins
    app.sensors.factory_name = "LGPIOFactory"
    try:
        async with client(app) as api, api.post("/api/v1/gpio/runout/simulate", json={"active": True}) as response:
            body = await response.json()
        assert response.status == 400 and "not the mock pin factory" in body["message"]
    finally:
        await app.stop()

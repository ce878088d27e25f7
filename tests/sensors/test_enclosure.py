"""The DS18B20 enclosure thermometer is read from its sysfs file; a failed CRC makes the sensors unhealthy."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.sensors.gpio_helpers import gpio_appliance, until

GOOD = "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n"
BAD_CRC = "72 01 4b 46 7f ff 0e 10 57 : crc=57 NO\n72 01 4b 46 7f ff 0e 10 57 t=85000\n"


async def test_the_enclosure_temperature_is_read_and_a_bad_crc_is_reported(tmp_path: Path) -> None:
    w1 = tmp_path / "w1_slave"
    w1.write_text(GOOD)
    app = await gpio_appliance(tmp_path / "data", gpio__enclosure__path=str(w1), gpio__enclosure__interval_s="0.2")
    try:
        await until(lambda: app.sensors.enclosure_c == 23.125, what="a reading")
        assert app.sensors.health().ok
        await asyncio.to_thread(w1.write_text, BAD_CRC)
        await until(lambda: app.sensors.enclosure_problem != "", what="the bad CRC noticed")
        health = app.sensors.health()
        assert not health.ok and "CRC check failed" in health.detail
        assert app.sensors.status()["enclosure"] == {"temperature_c": None, "problem": app.sensors.enclosure_problem}
    finally:
        await app.stop()

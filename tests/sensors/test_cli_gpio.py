"""`printedge gpio list` shows the running service's devices; `printedge gpio test` toggles an output."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from edge.cli import main
from tests.sensors.gpio_helpers import gpio_appliance
from tests.web.conftest import key_headers


async def test_gpio_list_shows_the_devices_and_their_states(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = await gpio_appliance(tmp_path / "data")
    try:
        await app.sensors.simulate("door", True)
        key = key_headers(app)["X-Api-Key"]
        code = await asyncio.to_thread(main, ["gpio", "list", "--url", app.web.url, "--api-key", key])
    finally:
        await app.stop()
    out = capsys.readouterr().out
    assert code == 0
    assert "pin factory: mock (simulation allowed)" in out
    assert "door     input  BCM pin 27" in out and "open" in out
    assert "psu      output BCM pin 23" in out


def test_gpio_test_toggles_an_output_on_the_mock_factory(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRINTEDGE_GPIO__PIN_FACTORY", "mock")
    monkeypatch.setenv("PRINTEDGE_GPIO__PSU__PIN", "23")
    assert main(["gpio", "test", "psu", "--seconds", "0.1"]) == 0
    assert "psu: on" in capsys.readouterr().out

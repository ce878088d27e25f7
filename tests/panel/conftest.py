"""Fixtures for the panel tests: a real appliance on the virtual printer, and headless Chromium."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser

from edge.app import Appliance
from tests.panel.browser import chromium
from tests.web.conftest import started


@pytest.fixture
async def appliance(tmp_path: Path) -> AsyncIterator[Appliance]:
    """The whole appliance with the virtual printer moving in real time (so a print takes seconds, not ms)."""
    app = await started(tmp_path / "data", simulator__time_scale="0.5", printer__temperature_interval_s="0.5")
    try:
        yield app
    finally:
        await app.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium."""
    async with chromium() as launched:
        yield launched

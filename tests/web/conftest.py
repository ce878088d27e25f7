"""Fixtures for the API tests: the whole appliance with its virtual printer, served on a free port."""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from blockbuster import blockbuster_ctx

from edge.app import Appliance
from edge.config.loader import load_config
from edge.control.caller import Caller, CallerKind
from edge.printer.link import LinkState
from tests.web.web_helpers import TEST_KEY_NAME, wait_for_printer

MAX_UPLOAD_MB = 1
# The API key started() made for each appliance: every test's client sends it.
_KEYS: weakref.WeakKeyDictionary[Appliance, str] = weakref.WeakKeyDictionary()


def appliance_env(data_dir: Path, **overrides: str) -> dict[str, str]:
    """Configuration for a fast, fully virtual appliance on a free port."""
    env = {
        "PRINTEDGE_DEVICE__NAME": "test-edge",
        "PRINTEDGE_DEVICE__DATA_DIR": str(data_dir),
        "PRINTEDGE_PRINTER__PORT": "virtual",
        "PRINTEDGE_PRINTER__TEMPERATURE_INTERVAL_S": "0.2",
        "PRINTEDGE_SIMULATOR__TIME_SCALE": "0.001",
        "PRINTEDGE_JOBS__RECOVERY_INTERVAL_S": "0.5",
        "PRINTEDGE_API__PORT": "0",
        "PRINTEDGE_API__MAX_UPLOAD_MB": str(MAX_UPLOAD_MB),
        "PRINTEDGE_DISCOVERY__ENABLED": "false",  # tests/test_discovery.py turns it on, on loopback
    }
    env.update({f"PRINTEDGE_{key.upper()}": value for key, value in overrides.items()})
    return env


async def started(data_dir: Path, **overrides: str) -> Appliance:
    """A started appliance whose printer link is ready, with an API key for its clients (the caller stops it)."""
    app = Appliance(load_config(env=appliance_env(data_dir, **overrides)))
    # Appliance.start() creates the data directory with a (brief) blocking mkdir; not the API's to judge.
    await app.start()
    if app.services.db.is_open:
        # A restart on the same data directory finds the first key: each start makes one of its own.
        name = await app.web.auth.keys.repo.free_name(TEST_KEY_NAME)
        key, _ = await app.web.auth.keys.create(name, Caller(CallerKind.CLI, "tests"))
        _KEYS[app] = key
    # Every test starts from a connected printer, so none depends on how fast the handshake is.
    link = app.services.link
    for _ in range(200):
        if link.state is LinkState.READY:
            break
        await asyncio.sleep(0.05)
    else:
        await app.stop()
        raise AssertionError(f"printer link did not become ready: {link.state.value}: {link.detail}")
    return app


def key_headers(app: Appliance) -> dict[str, str]:
    """The headers that authenticate a test client of this appliance."""
    return {"X-Api-Key": _KEYS[app]} if app in _KEYS else {}


def client(app: Appliance, **kwargs: object) -> aiohttp.ClientSession:
    """An HTTP client for the appliance's API that sends its test API key."""
    return aiohttp.ClientSession(base_url=app.web.url, headers=key_headers(app), **kwargs)  # type: ignore[arg-type]


@contextlib.contextmanager
def no_blocking_in_edge() -> Iterator[None]:
    """Fail the test if edge code makes a blocking call on the event loop."""
    with blockbuster_ctx(["edge"]):
        yield


@pytest.fixture
async def appliance(tmp_path: Path) -> AsyncIterator[Appliance]:
    """The whole appliance, started, with its API on a free port of 127.0.0.1; nothing may block the loop."""
    app = await started(tmp_path / "data")
    with no_blocking_in_edge():
        try:
            yield app
        finally:
            await app.stop()


@pytest.fixture
async def api(appliance: Appliance) -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client for the appliance's API (paths relative to its base URL), sending an API key."""
    async with client(appliance) as session:
        yield session


@pytest.fixture
async def ready_api(api: aiohttp.ClientSession) -> aiohttp.ClientSession:
    """The API once the printer link is ready."""
    await wait_for_printer(api, "ready")
    return api

"""A committed config that cannot start is replaced by last-known-good at the next start, which reports it."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from edge.config.lkg import DIE_AT_ENV, DIE_EXIT_CODE, MAX_BOOT_ATTEMPTS
from edge.telemetry.signing import OperatorKey
from tests.config_ota.helpers import ota_appliance, signed, trusting
from tests.config_ota.test_live import FILE, answers
from tests.web.conftest import appliance_env

ROOT = Path(__file__).resolve().parents[2]
NEW = {"audit": {"max_entries": 600}}


def state(data_dir: Path) -> dict[str, object]:
    """state.json as data."""
    loaded: dict[str, object] = json.loads((data_dir / "config" / "state.json").read_text())
    return loaded


def crashing_start(data_dir: Path, key: OperatorKey) -> int:
    """`printedge run` that dies while starting (the test-only switch); its exit code."""
    env = dict(os.environ) | appliance_env(data_dir, **trusting(key)) | {DIE_AT_ENV: "starting"}
    process = subprocess.run(
        [sys.executable, "-m", "edge.cli", "run"], cwd=ROOT, env=env, capture_output=True, timeout=60, check=False
    )
    return process.returncode


async def test_a_version_that_never_finishes_starting_falls_back_to_last_known_good(tmp_path: Path) -> None:
    key, data = OperatorKey.generate("ops"), tmp_path / "data"
    async with ota_appliance(data, **trusting(key)) as app:
        assert (await app.ota.submit("api", signed(key, 1, NEW))).status.value == "applied"
    assert state(data)["proven"] is False
    for attempt in range(MAX_BOOT_ATTEMPTS):
        assert await asyncio.to_thread(crashing_start, data, key) == DIE_EXIT_CODE
        assert state(data)["boot_attempts"] == attempt + 1
    async with ota_appliance(data, **trusting(key)) as app:
        report = app.ota.report
        assert (report.status.value, report.reason, report.version, report.desired) == (
            "rolled_back",
            "start_failed",
            0,
            1,
        )
        assert f"{MAX_BOOT_ATTEMPTS} starts with it did not complete" in report.message
        assert app.config.audit.max_entries == 10000
        entries = [(e.source, e.version, e.status, e.reason) for e in await app.ota.audit.list()]
        assert entries[0] == ("start", 1, "rolled_back", "start_failed")
        # The retained document comes again after every reconnect: it is answered, never applied again.
        again = await app.ota.submit("mqtt", signed(key, 1, NEW))
        assert (again.status.value, again.reason) == ("rolled_back", "start_failed")
        assert app.config.audit.max_entries == 10000
        newer = await app.ota.submit("mqtt", signed(key, 2, {"audit": {"max_entries": 700}}))
        assert (newer.status.value, newer.version) == ("applied", 2), newer
    audit_seen = state(data)
    assert audit_seen["version"] == 2 and audit_seen["proven"] is False


async def test_a_version_that_started_once_is_kept_through_later_crashes(tmp_path: Path) -> None:
    key, data = OperatorKey.generate("ops"), tmp_path / "data"
    async with ota_appliance(data, **trusting(key)) as app:
        await app.ota.submit("api", signed(key, 1, NEW))
    async with ota_appliance(data, **trusting(key)) as app:
        assert app.config.audit.max_entries == 600
    assert (state(data)["proven"], state(data)["boot_attempts"]) == (True, 0)
    for _ in range(MAX_BOOT_ATTEMPTS + 1):
        assert await asyncio.to_thread(crashing_start, data, key) == DIE_EXIT_CODE
    async with ota_appliance(data, **trusting(key)) as app:
        assert app.config.audit.max_entries == 600 and app.ota.report.version == 1


async def test_a_component_the_new_version_breaks_at_start_rolls_it_back_in_the_same_start(tmp_path: Path) -> None:
    key, data = OperatorKey.generate("ops"), tmp_path / "data"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with ota_appliance(data, FILE, **trusting(key)) as app:
        report = await app.ota.submit("api", signed(key, 1, {"api": {"host": "127.0.0.1", "port": port}}))
        assert report.status.value == "applied", report
    with socket.socket() as taken:  # another program took the port while the device was off
        taken.bind(("127.0.0.1", port))
        taken.listen()
        async with ota_appliance(data, FILE, **trusting(key)) as app:
            report = app.ota.report
            assert (report.status.value, report.reason, report.version) == ("rolled_back", "start_failed", 0)
            assert f"web failed to start: cannot listen on 127.0.0.1:{port}" in report.message, report
            assert app.web.health().ok and app.web.port != port and await answers(app.web.url)
            entries = await app.ota.audit.list()
            assert (entries[0].source, entries[0].status, entries[0].reason) == ("start", "rolled_back", "start_failed")

"""An accepted document is written with its last-known-good, applied in process, kept across restarts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml

from edge.control.caller import Caller, CallerKind
from edge.telemetry.signing import OperatorKey
from tests.config_ota.helpers import device_id, ota_appliance, signed, snapshot, trusting
from tests.web.auth_helpers import anonymous, claim


async def test_a_full_document_is_applied_written_and_audited(tmp_path: Path) -> None:
    key = OperatorKey.generate("ops")
    async with ota_appliance(tmp_path / "data", **trusting(key)) as app:
        report = await app.ota.submit("api", signed(key, 1, {"audit": {"max_entries": 500}}))
        assert (report.status.value, report.version, report.desired) == ("applied", 1, 1)
        assert app.audit.max_entries == 500
        files = snapshot(app.data_dir)
        assert yaml.safe_load(files["applied.yaml"]) == {"audit": {"max_entries": 500}}
        assert yaml.safe_load(files["last-known-good.yaml"]) == {}
        entries = await app.ota.audit.list()
        assert [(e.source, e.version, e.status, e.key_id) for e in entries] == [("api", 1, "applied", "ops")]


async def test_a_patch_merges_onto_the_applied_version_with_the_device_override(tmp_path: Path) -> None:
    key = OperatorKey.generate("ops")
    async with ota_appliance(tmp_path / "data", **trusting(key)) as app:
        await app.ota.submit("api", signed(key, 1, {"audit": {"max_entries": 500, "max_age_days": 30}}))
        patch = {"audit": {"max_age_days": None}, "health": {"min_free_mb": 70}}
        overrides = {device_id(app): {"audit": {"max_entries": 800}}, "other": {"audit": {"max_entries": 900}}}
        report = await app.ota.submit("api", signed(key, 2, patch, kind="patch", base_version=1, overrides=overrides))
        assert report.status.value == "applied", report
        assert report.message == "version 2 applied"
        assert app.monitor.min_free_bytes == 70 * 1024 * 1024 and app.monitor.health().ok
        assert (app.config.audit.max_entries, app.config.audit.max_age_days) == (800, 90)
        assert app.config.health.min_free_mb == 70
        lkg = yaml.safe_load(snapshot(app.data_dir)["last-known-good.yaml"])
        assert lkg == {"audit": {"max_entries": 500, "max_age_days": 30}}


async def test_the_applied_overlay_is_used_at_the_next_start_and_the_environment_still_wins(tmp_path: Path) -> None:
    key = OperatorKey.generate("ops")
    data = tmp_path / "data"
    async with ota_appliance(data, **trusting(key)) as app:
        content = {"audit": {"max_entries": 500}, "health": {"min_free_mb": 70}}
        assert (await app.ota.submit("api", signed(key, 3, content))).status.value == "applied"
    async with ota_appliance(data, **trusting(key, health__min_free_mb="40")) as app:
        assert app.config.audit.max_entries == 500
        assert app.config.health.min_free_mb == 40
        assert app.ota.report.version == 3


async def test_only_the_owner_session_may_upload_a_config(tmp_path: Path) -> None:
    key = OperatorKey.generate("ops")
    async with ota_appliance(tmp_path / "data", **trusting(key)) as app:
        payload = signed(key, 1, {"audit": {"max_entries": 500}})
        api_key, _ = await app.web.auth.keys.create("ops-key", Caller(CallerKind.CLI, "tests"))
        async with anonymous(app, **{"X-Api-Key": api_key}) as with_key:
            async with with_key.post("/api/v1/config", data=payload) as response:
                assert response.status == 403, await response.text()
            async with with_key.get("/api/v1/config/status") as response:
                assert (await response.json())["version"] == 0
        async with anonymous(app) as browser:
            token = (await claim(app, browser))["csrf_token"]
            async with browser.post("/api/v1/config", data=payload, headers={"X-CSRF-Token": token}) as response:
                body = await response.json()
                assert response.status == 200, body
                assert (body["status"], body["version"]) == ("applied", 1)
            stale = signed(key, 1, {"audit": {"max_entries": 600}})
            async with browser.post("/api/v1/config", data=stale, headers={"X-CSRF-Token": token}) as response:
                assert response.status == 422
                assert (await response.json())["reason"] == "replayed"


async def test_a_wrong_serial_port_is_rolled_back_and_the_printer_reconnects(tmp_path: Path) -> None:
    key = OperatorKey.generate("ops")
    async with ota_appliance(tmp_path / "data", {"printer": {"port": "virtual"}}, **trusting(key)) as app:
        content = {"printer": {"port": str(tmp_path / "no-such-tty")}, "ota": {"health_deadline_s": 1.0}}
        report = await app.ota.submit("api", signed(key, 1, content))
        assert (report.status.value, report.version, report.reason) == ("rolled_back", 0, "unhealthy")
        assert "printer unhealthy after 1 s" in report.message and "no-such-tty" in report.message
        assert app.config.printer.port == "virtual"
        assert yaml.safe_load(snapshot(app.data_dir)["applied.yaml"]) == {}
        for _ in range(100):
            if app.services.link.health().ok:
                break
            await asyncio.sleep(0.05)
        assert app.services.link.health().ok, app.services.link.health()


async def test_a_printer_setting_reconnects_the_link_with_it(tmp_path: Path) -> None:
    key = OperatorKey.generate("ops")
    async with ota_appliance(tmp_path / "data", **trusting(key)) as app:
        report = await app.ota.submit("api", signed(key, 1, {"printer": {"probe_attempts": 7}}))
        assert (report.status.value, report.version) == ("applied", 1), report
        assert app.services.link.config.probe_attempts == 7 and app.services.link.health().ok


async def test_a_key_the_environment_sets_stays_and_the_report_says_so(tmp_path: Path) -> None:
    key = OperatorKey.generate("ops")
    async with ota_appliance(tmp_path / "data", **trusting(key, audit__max_entries="300")) as app:
        report = await app.ota.submit("api", signed(key, 1, {"audit": {"max_entries": 500, "max_age_days": 9}}))
        assert report.status.value == "applied"
        assert "the environment keeps audit.max_entries" in report.message
        assert (app.config.audit.max_entries, app.config.audit.max_age_days) == (300, 9)


async def test_a_device_with_ota_off_refuses_every_document(tmp_path: Path) -> None:
    key = OperatorKey.generate("ops")
    async with ota_appliance(tmp_path / "data", **trusting(key, ota__enabled="false")) as app:
        report = await app.ota.submit("api", signed(key, 1, {"audit": {"max_entries": 500}}))
        assert (report.status.value, report.reason) == ("rejected", "disabled")
        assert snapshot(app.data_dir) == {}

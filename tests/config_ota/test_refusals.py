"""Every refused document leaves the old config running and writes nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from edge.app import Appliance
from edge.telemetry.signing import OperatorKey
from tests.config_ota.helpers import device_id, document, ota_appliance, signed, snapshot, trusting

GOOD = {"audit": {"max_entries": 500}}


@pytest.fixture
async def app(tmp_path: Path, operator: OperatorKey) -> AsyncIterator[Appliance]:
    """A running appliance that pins `operator` and already runs config version 5."""
    async with ota_appliance(tmp_path / "data", **trusting(operator)) as running:
        report = await running.ota.submit("api", signed(operator, 5, GOOD))
        assert report.status.value == "applied", report
        yield running


async def refused(app: Appliance, payload: bytes, reason: str) -> None:
    """Submit payload; it is rejected for reason, version 5 still runs, no file changed."""
    before = snapshot(app.data_dir)
    report = await app.ota.submit("api", payload)
    assert (report.status.value, report.reason) == ("rejected", reason), report
    assert report.version == 5
    assert app.config.audit.max_entries == 500
    assert snapshot(app.data_dir) == before
    entries = await app.ota.audit.list()
    assert entries[0].status == "rejected" and entries[0].reason == reason


async def test_unsigned_is_refused(app: Appliance) -> None:
    await refused(app, json.dumps(document(6, {"audit": {"max_entries": 600}})).encode(), "unsigned")


async def test_a_wrong_signature_is_refused(app: Appliance, operator: OperatorKey) -> None:
    doc = json.loads(signed(operator, 6, {"audit": {"max_entries": 600}}))
    doc["content"]["audit"]["max_entries"] = 700
    doc["sha256"] = document(6, doc["content"])["sha256"]
    await refused(app, json.dumps(doc).encode(), "bad_signature")


async def test_an_unpinned_key_is_refused(app: Appliance) -> None:
    await refused(app, signed(OperatorKey.generate("stranger"), 6, {"audit": {"max_entries": 600}}), "unknown_key")


async def test_a_stale_version_is_refused(app: Appliance, operator: OperatorKey) -> None:
    await refused(app, signed(operator, 4, {"audit": {"max_entries": 600}}), "stale")


async def test_a_replayed_version_with_other_content_is_refused(app: Appliance, operator: OperatorKey) -> None:
    await refused(app, signed(operator, 5, {"audit": {"max_entries": 600}}), "replayed")


async def test_the_same_document_again_changes_nothing(app: Appliance, operator: OperatorKey) -> None:
    before = snapshot(app.data_dir)
    report = await app.ota.submit("api", signed(operator, 5, GOOD))
    assert (report.status.value, report.version) == ("applied", 5)
    assert snapshot(app.data_dir) == before


async def test_an_oversized_document_is_refused(app: Appliance, operator: OperatorKey) -> None:
    padding = {"device": {"name": "x" * 70_000}}
    await refused(app, signed(operator, 6, padding), "oversized")


@pytest.mark.parametrize("payload", [b"not json", b"[1, 2]", b'{"schema": "printedge.config/1"}'])
async def test_a_malformed_document_is_refused(app: Appliance, payload: bytes) -> None:
    await refused(app, payload, "malformed")


async def test_a_wrong_hash_is_refused(app: Appliance, operator: OperatorKey) -> None:
    doc = document(6, {"audit": {"max_entries": 600}})
    doc["sha256"] = "0" * 64
    await refused(app, json.dumps(operator.sign(doc)).encode(), "malformed")


async def test_a_document_for_another_device_is_refused(app: Appliance, operator: OperatorKey) -> None:
    await refused(app, signed(operator, 6, {"audit": {"max_entries": 600}}, device="someone-else"), "wrong_device")


async def test_an_unknown_key_is_refused_with_its_path(app: Appliance, operator: OperatorKey) -> None:
    await refused(app, signed(operator, 6, {"audit": {"max_entrys": 600}}), "invalid")
    assert "audit.max_entrys" in app.ota.report.message and "600" in app.ota.report.message


async def test_an_out_of_range_value_is_refused_with_its_path(app: Appliance, operator: OperatorKey) -> None:
    await refused(app, signed(operator, 6, {"audit": {"max_entries": 5}}), "invalid")
    assert "audit.max_entries" in app.ota.report.message and "5" in app.ota.report.message


async def test_a_patch_against_another_base_is_refused(app: Appliance, operator: OperatorKey) -> None:
    payload = signed(operator, 6, {"audit": {"max_age_days": 7}}, kind="patch", base_version=4)
    await refused(app, payload, "base_mismatch")


async def test_the_data_dir_cannot_be_moved(app: Appliance, operator: OperatorKey) -> None:
    await refused(app, signed(operator, 6, {"device": {"data_dir": "/tmp/elsewhere"}}), "forbidden_key")


async def test_a_document_for_this_device_is_applied(app: Appliance, operator: OperatorKey) -> None:
    report = await app.ota.submit("api", signed(operator, 6, {"audit": {"max_entries": 600}}, device=device_id(app)))
    assert (report.status.value, report.version) == ("applied", 6)
    assert app.config.audit.max_entries == 600

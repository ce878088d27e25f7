"""The audit log: entries are kept in order, filtered, paged, and pruned by age and by count."""

from __future__ import annotations

import time

import pytest

from edge.config.loader import load_config
from edge.core.errors import ConfigError
from edge.store.audit import AuditEntry, AuditLog, AuditResult
from edge.store.db import Database

DAY = 86400.0


async def record(audit: AuditLog, action: str = "job.cancel", kind: str = "api", result: str = "ok") -> AuditEntry:
    return await audit.record(
        caller_kind=kind, caller_name=f"{kind}-key-1", action=action, detail="job 3", result=result, message=""
    )


async def count(db: Database) -> int:
    row = await db.fetchone("SELECT COUNT(*) AS n FROM audit")
    assert row is not None
    return int(row["n"])


async def test_an_entry_is_recorded_with_its_caller_action_and_result(db: Database) -> None:
    audit = AuditLog(db, 90 * DAY, 10000)
    before = time.time()
    entry = await audit.record(
        caller_kind="mqtt",
        caller_name="fleet",
        action="printer.emergency_stop",
        detail="",
        result=AuditResult.REFUSED,
        message="the printer is not connected",
    )
    assert entry.id > 0 and before <= entry.at <= time.time()
    assert entry.to_dict() == {
        "id": entry.id,
        "at": entry.at,
        "caller_kind": "mqtt",
        "caller_name": "fleet",
        "action": "printer.emergency_stop",
        "detail": "",
        "result": "refused",
        "message": "the printer is not connected",
    }
    assert await audit.list() == [entry]


async def test_entries_survive_a_restart(db: Database) -> None:
    entry = await record(AuditLog(db, 90 * DAY, 10000))
    await db.close()
    again = Database(db.path)
    await again.open()
    try:
        assert await AuditLog(again, 90 * DAY, 10000).list() == [entry]
    finally:
        await again.close()


async def test_list_is_newest_first_filtered_and_paged_by_id(db: Database) -> None:
    audit = AuditLog(db, 90 * DAY, 10000)
    entries = [
        await record(audit, "job.start", "api"),
        await record(audit, "job.cancel", "mqtt"),
        await record(audit, "job.cancel", "api"),
        await record(audit, "printer.home", "button"),
    ]
    assert [e.id for e in await audit.list()] == [e.id for e in reversed(entries)]
    assert [e.id for e in await audit.list(limit=2)] == [entries[3].id, entries[2].id]
    assert [e.id for e in await audit.list(before_id=entries[2].id)] == [entries[1].id, entries[0].id]
    assert [e.id for e in await audit.list(caller_kind="api")] == [entries[2].id, entries[0].id]
    assert [e.id for e in await audit.list(action="job.cancel")] == [entries[2].id, entries[1].id]
    assert [e.id for e in await audit.list(action="job.cancel", caller_kind="mqtt")] == [entries[1].id]
    assert await audit.list(caller_kind="cli") == []


async def test_a_result_outside_ok_refused_error_is_refused_and_nothing_is_written(db: Database) -> None:
    audit = AuditLog(db, 90 * DAY, 10000)
    with pytest.raises(ValueError, match=r"audit result must be one of ok, refused, error \(got 'done'\)"):
        await record(audit, result="done")
    assert await count(db) == 0
    assert (await record(audit, result="error")).result is AuditResult.ERROR


async def test_an_entry_needs_a_caller_kind_and_an_action(db: Database) -> None:
    audit = AuditLog(db, 90 * DAY, 10000)
    with pytest.raises(ValueError, match=r"needs a caller kind and an action \(got '', 'job.cancel'\)"):
        await record(audit, kind="")


async def test_list_limit_is_bounded(db: Database) -> None:
    audit = AuditLog(db, 90 * DAY, 10000)
    for bad in (0, -1, 1001):
        with pytest.raises(ValueError, match=rf"between 1 and 1000 \(got {bad}\)"):
            await audit.list(limit=bad)


async def test_only_the_newest_max_entries_are_kept(db: Database) -> None:
    audit = AuditLog(db, 90 * DAY, 5, prune_every=1)
    entries = [await record(audit) for _ in range(12)]
    assert [e.id for e in await audit.list()] == [e.id for e in reversed(entries[-5:])]


async def test_pruning_runs_on_the_first_insert_and_then_every_n_inserts(db: Database) -> None:
    audit = AuditLog(db, 90 * DAY, 3, prune_every=10)
    for _ in range(10):
        await record(audit)
    assert await count(db) == 10  # pruned at the first insert, when there was nothing to prune
    await record(audit)
    assert await count(db) == 3


async def test_entries_older_than_max_age_are_pruned(db: Database) -> None:
    audit = AuditLog(db, 30 * DAY, 10000)
    for age_days in (40, 31, 29):
        await db.execute(
            "INSERT INTO audit (at, caller_kind, caller_name, action, detail, result, message) "
            "VALUES (?, 'api', 'k', 'job.start', '', 'ok', '')",
            (time.time() - age_days * DAY,),
        )
    fresh = await record(audit)  # the first insert prunes
    remaining = await audit.list()
    assert len(remaining) == 2 and remaining[0] == fresh
    assert remaining[1].at < time.time() - 28 * DAY
    assert await audit.prune() == 0


async def test_ids_of_pruned_entries_are_never_reused(db: Database) -> None:
    audit = AuditLog(db, 90 * DAY, 1, prune_every=1)
    first = await record(audit)
    second = await record(audit)
    await db.execute("DELETE FROM audit")
    third = await record(audit)
    assert first.id < second.id < third.id


def test_audit_config_has_defaults_and_bounds() -> None:
    config = load_config(env={})
    assert (config.audit.max_age_days, config.audit.max_entries) == (90, 10000)
    assert load_config(env={"PRINTEDGE_AUDIT__MAX_AGE_DAYS": "7"}).audit.max_age_days == 7
    with pytest.raises(ConfigError, match=r"audit.max_entries: .*at least 100"):
        load_config(env={"PRINTEDGE_AUDIT__MAX_ENTRIES": "50"})
    with pytest.raises(ConfigError, match=r"audit.max_age_days: .*at most 3650"):
        load_config(env={"PRINTEDGE_AUDIT__MAX_AGE_DAYS": "4000"})


async def test_a_failed_prune_never_loses_the_entry_being_recorded(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    audit = AuditLog(db, 90 * DAY, 100, prune_every=1)
    await record(audit)
    await db.execute("UPDATE audit SET at = 0")  # older than max_age: the next prune wants it gone
    await db.execute(
        "CREATE TRIGGER audit_kept BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'deletes refused'); END"
    )
    entry = await record(audit)
    assert (await audit.list())[0] == entry
    assert await count(db) == 2
    assert "audit log could not be pruned" in caplog.text and "deletes refused" in caplog.text

"""The database: WAL, migrations, refusal of newer schemas, transactions."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from edge.core.errors import StoreError
from edge.store.db import Database
from edge.store.migrations import LATEST_VERSION, apply_migrations


async def test_open_creates_parent_directories_and_applies_every_migration(tmp_path: Path) -> None:
    db = Database(tmp_path / "a" / "b" / "printedge.db")
    await db.open()
    try:
        assert db.schema_version == LATEST_VERSION
        tables = {row["name"] for row in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"schema_version", "files", "jobs", "recovery_points", "job_events", "audit"} <= tables
    finally:
        await db.close()


async def test_reopening_applies_no_migration_twice_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "printedge.db"
    first = Database(path)
    await first.open()
    await first.execute("CREATE TABLE notes (text TEXT)")
    await first.execute("INSERT INTO notes VALUES ('kept')")
    await first.close()
    second = Database(path)
    await second.open()
    try:
        versions = await second.fetchall("SELECT version FROM schema_version")
        assert [row["version"] for row in versions] == list(range(1, LATEST_VERSION + 1))
        assert [row["text"] for row in await second.fetchall("SELECT text FROM notes")] == ["kept"]
    finally:
        await second.close()


async def test_database_runs_in_wal_mode_with_foreign_keys(db: Database) -> None:
    assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"  # type: ignore[index]
    assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1  # type: ignore[index]
    assert (await db.fetchone("PRAGMA synchronous"))[0] == 2  # type: ignore[index]  # FULL
    assert db.status()["journal_mode"] == "wal"


async def test_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "printedge.db"
    db = Database(path)
    await db.open()
    await db.execute("INSERT INTO schema_version (version, applied_at) VALUES (99, 0)")
    await db.close()
    newer = Database(path)
    with pytest.raises(StoreError, match=r"schema version 99, newer than this PrintEdge supports"):
        await newer.open()
    assert not newer.is_open
    assert not newer.health().ok


async def test_failed_migration_is_rolled_back_and_not_recorded(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        steps = [(1, "CREATE TABLE a (x INTEGER);"), (2, "CREATE TABLE b (y INTEGER); SELECT * FROM nowhere;")]
        with pytest.raises(StoreError, match=r"schema migration 2 failed"):
            await apply_migrations(conn, path, steps)
        async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cursor:
            tables = {row[0] for row in await cursor.fetchall()}
        async with conn.execute("SELECT MAX(version) FROM schema_version") as cursor:
            version = (await cursor.fetchone())[0]  # type: ignore[index]
    assert "a" in tables and "b" not in tables
    assert version == 1


async def test_transaction_rolls_back_everything_on_error(db: Database) -> None:
    await db.execute("CREATE TABLE notes (text TEXT)")
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.execute("INSERT INTO notes VALUES ('lost')")
            raise RuntimeError("boom")
    assert await db.fetchall("SELECT * FROM notes") == []


async def test_transaction_commits_when_the_block_succeeds(db: Database) -> None:
    await db.execute("CREATE TABLE notes (text TEXT)")
    async with db.transaction():
        await db.execute("INSERT INTO notes VALUES ('a')")
        async with db.transaction():  # nested use joins the outer transaction
            await db.execute("INSERT INTO notes VALUES ('b')")
    assert len(await db.fetchall("SELECT * FROM notes")) == 2


async def test_concurrent_transactions_do_not_interleave(db: Database) -> None:
    await db.execute("CREATE TABLE counter (n INTEGER)")
    await db.execute("INSERT INTO counter VALUES (0)")

    async def increment() -> None:
        async with db.transaction():
            row = await db.fetchone("SELECT n FROM counter")
            await asyncio.sleep(0)
            await db.execute("UPDATE counter SET n = ?", (row["n"] + 1,))  # type: ignore[index]

    await asyncio.gather(*(increment() for _ in range(20)))
    assert (await db.fetchone("SELECT n FROM counter"))["n"] == 20  # type: ignore[index]


async def test_sqlite_errors_become_store_errors_naming_the_database(db: Database) -> None:
    with pytest.raises(StoreError, match=r"printedge.db: statement failed: no such table: nowhere"):
        await db.fetchall("SELECT * FROM nowhere")


async def test_using_a_closed_database_is_a_clear_error(tmp_path: Path) -> None:
    db = Database(tmp_path / "printedge.db")
    with pytest.raises(StoreError, match=r"is not open"):
        await db.fetchall("SELECT 1")
    await db.close()  # closing what was never opened is fine


async def test_status_and_health_describe_the_database(db: Database) -> None:
    status = db.status()
    assert db.name == "store"
    assert status["open"] is True and status["schema_version"] == LATEST_VERSION
    assert str(status["path"]).endswith("printedge.db")
    assert db.health().ok
    await db.close()
    assert not db.health().ok
    await db.close()


async def test_another_process_sees_committed_rows(db: Database) -> None:
    await db.execute("CREATE TABLE notes (text TEXT)")
    await db.execute("INSERT INTO notes VALUES ('seen')")

    def read_elsewhere() -> int:
        conn = sqlite3.connect(db.path)
        try:
            return int(conn.execute("SELECT COUNT(*) FROM notes").fetchone()[0])
        finally:
            conn.close()

    assert await asyncio.to_thread(read_elsewhere) == 1

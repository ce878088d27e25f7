"""The SQLite database (WAL, migrations, serialised transactions) behind every repository."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from edge.core.component import Health
from edge.core.errors import DiskFullError, StoreError
from edge.store.migrations import apply_migrations

log = logging.getLogger("printedge.store")

Params = Sequence[Any]


class Database:
    """One aiosqlite connection; every statement and transaction runs one at a time, in order."""

    name = "store"

    def __init__(self, path: Path, *, busy_timeout_ms: int = 5000) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._tx_owner: asyncio.Task[Any] | None = None
        self._schema_version = 0
        self._journal_mode = ""
        self._error = ""

    @property
    def schema_version(self) -> int:
        """The schema version after migrations (0 before open)."""
        return self._schema_version

    @property
    def is_open(self) -> bool:
        """Whether the connection is open."""
        return self._conn is not None

    async def start(self) -> None:
        """Component start: open the database."""
        await self.open()

    async def stop(self) -> None:
        """Component stop: close the database."""
        await self.close()

    async def open(self) -> None:
        """Create the directory, connect, set the pragmas and run pending migrations."""
        if self._conn is not None:
            return
        try:
            await asyncio.to_thread(self.path.parent.mkdir, parents=True, exist_ok=True)
            # isolation_level=None: no implicit transactions; transaction() issues BEGIN IMMEDIATE itself.
            conn = await aiosqlite.connect(self.path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            self._error = f"cannot open database {self.path}: {exc}"
            raise StoreError(self._error) from exc
        try:
            conn.row_factory = sqlite3.Row
            await conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            async with conn.execute("PRAGMA journal_mode = WAL") as cursor:
                row = await cursor.fetchone()
            self._journal_mode = str(row[0]).lower() if row is not None else "unknown"
            if self._journal_mode != "wal":
                log.warning("database %s is in %s mode, not WAL", self.path, self._journal_mode)
            # FULL, not NORMAL: in WAL mode NORMAL may lose the last commits on a power cut, and an
            # acknowledged upload or a job state must survive one. Writes are few, so the fsync is cheap.
            await conn.execute("PRAGMA synchronous = FULL")
            # Migrations run before foreign keys are on: a table rebuild must not cascade its DROP.
            self._schema_version = await apply_migrations(conn, self.path)
            await conn.execute("PRAGMA foreign_keys = ON")
        except BaseException as exc:
            await conn.close()
            self._error = str(exc)
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"cannot prepare database {self.path}: {exc}") from exc
            raise
        self._conn = conn
        self._error = ""
        log.info("database %s open, schema version %d", self.path, self._schema_version)

    async def close(self) -> None:
        """Close the connection; safe to call twice."""
        async with self._lock:
            conn, self._conn = self._conn, None
            if conn is None:
                return
            await conn.close()
        log.info("database %s closed", self.path)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error; nested use joins the outer one."""
        # Statements of the owning task run directly; other tasks wait for the lock, so the owner must not
        # wait on another task that uses the database inside the block (it would wait forever).
        if self._owns_transaction():
            yield self
            return
        async with self._lock:
            conn = self._require()
            with self._translate("BEGIN"):
                await conn.execute("BEGIN IMMEDIATE")
            self._tx_owner = asyncio.current_task()
            try:
                yield self
            except BaseException:
                self._tx_owner = None
                # Shielded: aiosqlite runs statements in order, so the ROLLBACK happens before anything
                # the next lock holder sends, even if this task is cancelled again meanwhile.
                await asyncio.shield(self._rollback(conn))
                raise
            self._tx_owner = None
            try:
                await asyncio.shield(self._end(conn, "COMMIT"))
            except StoreError:
                await asyncio.shield(self._rollback(conn))
                raise

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of rows changed."""
        async with self._access() as conn, conn.execute(sql, params) as cursor:
            return cursor.rowcount

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT; returns the new row's id."""
        async with self._access() as conn, conn.execute(sql, params) as cursor:
            row_id = cursor.lastrowid
        if row_id is None:
            raise StoreError(f"insert into database {self.path} returned no row id: {sql[:60]!r}")
        return row_id

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a query, or None."""
        async with self._access() as conn, conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Every row of a query."""
        async with self._access() as conn, conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    def status(self) -> dict[str, object]:
        """JSON-ready snapshot."""
        return {
            "path": str(self.path),
            "open": self.is_open,
            "schema_version": self._schema_version,
            "journal_mode": self._journal_mode,
            "error": self._error,
        }

    def health(self) -> Health:
        """Healthy while the database is open."""
        if self._conn is not None:
            return Health(True, f"database {self.path} open, schema version {self._schema_version}")
        return Health(False, self._error or f"database {self.path} is not open")

    def _owns_transaction(self) -> bool:
        return self._tx_owner is not None and self._tx_owner is asyncio.current_task()

    def _require(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StoreError(f"database {self.path} is not open")
        return self._conn

    @asynccontextmanager
    async def _access(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection, for the transaction's owner directly, for anyone else after the lock."""
        if self._owns_transaction():
            with self._translate("statement"):
                yield self._require()
            return
        async with self._lock:
            with self._translate("statement"):
                yield self._require()

    async def _end(self, conn: aiosqlite.Connection, verb: str) -> None:
        with self._translate(verb):
            await conn.execute(verb)

    async def _rollback(self, conn: aiosqlite.Connection) -> None:
        """Roll back if a transaction is still open (SQLite ends some on its own, e.g. on a full disk)."""
        if not conn.in_transaction:
            return
        try:
            await self._end(conn, "ROLLBACK")
        except StoreError as exc:
            log.warning("rollback on %s failed: %s", self.path, exc)

    @contextmanager
    def _translate(self, what: str) -> Iterator[None]:
        """Turn sqlite3 errors into the store's error tree, naming the database."""
        try:
            yield
        except sqlite3.Error as exc:
            text = str(exc)
            if "full" in text:
                raise DiskFullError(
                    f"database {self.path} cannot grow ({text}); free some disk space and retry"
                ) from exc
            raise StoreError(f"database {self.path}: {what} failed: {text}") from exc

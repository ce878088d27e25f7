"""Versioned schema migrations, applied in order, each in its own transaction."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

import aiosqlite

from edge.core.errors import StoreError

log = logging.getLogger("printedge.store")

# (version, sql). Append only: never edit a migration that has shipped, add a new one instead.
MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE files (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            stored_name TEXT NOT NULL UNIQUE,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            analysis TEXT NOT NULL,
            created_at REAL NOT NULL,
            missing INTEGER NOT NULL DEFAULT 0,
            deleted_at REAL
        );
        CREATE INDEX files_sha256 ON files (sha256);

        CREATE TABLE jobs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            file_id INTEGER NOT NULL REFERENCES files (id),
            file_name TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN
                ('queued', 'printing', 'paused', 'completed', 'cancelled', 'failed', 'interrupted')),
            created_at REAL NOT NULL,
            started_at REAL,
            finished_at REAL,
            lines_done INTEGER NOT NULL DEFAULT 0,
            lines_total INTEGER NOT NULL DEFAULT 0,
            bytes_done INTEGER NOT NULL DEFAULT 0,
            bytes_total INTEGER NOT NULL DEFAULT 0,
            layer INTEGER NOT NULL DEFAULT 0,
            detail TEXT NOT NULL DEFAULT '',
            resume_from_line INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX jobs_state ON jobs (state, id);
        CREATE INDEX jobs_file ON jobs (file_id);

        CREATE TABLE recovery_points (
            job_id INTEGER PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
            line_index INTEGER NOT NULL,
            byte_offset INTEGER NOT NULL,
            layer INTEGER NOT NULL,
            z REAL NOT NULL,
            e REAL NOT NULL,
            feedrate REAL NOT NULL,
            hotend_target REAL NOT NULL,
            bed_target REAL NOT NULL,
            fan REAL NOT NULL,
            absolute_e INTEGER NOT NULL,
            created_at REAL NOT NULL
        );

        CREATE TABLE job_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE INDEX job_events_job ON job_events (job_id, id);
        """,
    ),
    (
        2,
        """
        -- AUTOINCREMENT: ids of pruned entries are never reused, so paging with before_id stays stable.
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at REAL NOT NULL,
            caller_kind TEXT NOT NULL,
            caller_name TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            result TEXT NOT NULL CHECK (result IN ('ok', 'refused', 'error')),
            message TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX audit_at ON audit (at);
        CREATE INDEX audit_caller_kind ON audit (caller_kind, id);
        CREATE INDEX audit_action ON audit (action, id);
        """,
    ),
    (
        3,
        """
        -- Queue order: queued jobs print in ascending queue_position (then id); existing ones keep FIFO order.
        ALTER TABLE jobs ADD COLUMN queue_position INTEGER NOT NULL DEFAULT 0;
        UPDATE jobs SET queue_position = id;
        CREATE INDEX jobs_queue ON jobs (state, queue_position, id);
        """,
    ),
    (
        4,
        """
        -- Per-job statistics of the printer link (lines, bytes, resends, ...), a JSON object.
        ALTER TABLE jobs ADD COLUMN stats TEXT NOT NULL DEFAULT '{}';
        """,
    ),
    (
        5,
        """
        -- Where the head was and the M220/M221 overrides, so a resume restores them.
        ALTER TABLE recovery_points ADD COLUMN x REAL NOT NULL DEFAULT 0;
        ALTER TABLE recovery_points ADD COLUMN y REAL NOT NULL DEFAULT 0;
        ALTER TABLE recovery_points ADD COLUMN feedrate_pct REAL NOT NULL DEFAULT 100;
        ALTER TABLE recovery_points ADD COLUMN flow_pct REAL NOT NULL DEFAULT 100;
        """,
    ),
    (
        6,
        """
        -- Small facts about the appliance that must survive a restart (is the bed clear?), as JSON values.
        CREATE TABLE appliance_state (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at REAL NOT NULL);
        """,
    ),
    (
        7,
        """
        -- Authentication: the owner, panel sessions, API keys and app pairing requests. Secrets are stored
        -- only as hashes: scrypt for passwords, SHA-256 for high-entropy tokens and keys.
        CREATE TABLE users (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            is_owner INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL
        );

        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            token_hash TEXT NOT NULL UNIQUE,
            csrf_token TEXT NOT NULL,
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL
        );
        CREATE INDEX sessions_expires ON sessions (expires_at);

        CREATE TABLE api_keys (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            key_hash TEXT NOT NULL UNIQUE,
            prefix TEXT NOT NULL,
            created_at REAL NOT NULL,
            created_by TEXT NOT NULL,
            last_used_at REAL,
            revoked_at REAL
        );
        -- A name is unique among keys that still work; a revoked key's name may be used again.
        CREATE UNIQUE INDEX api_keys_active_name ON api_keys (name) WHERE revoked_at IS NULL;

        CREATE TABLE pairing_requests (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            app TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'denied', 'delivered')),
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL,
            decided_at REAL,
            decided_by TEXT NOT NULL DEFAULT '',
            key_id INTEGER REFERENCES api_keys (id)
        );
        CREATE INDEX pairing_state ON pairing_requests (state, expires_at);
        """,
    ),
    (
        8,
        """
        -- Jobs from text or a model: a job is no longer tied to a G-code file until its slice exists.
        -- SQLite cannot relax NOT NULL or a CHECK in place, so the table is rebuilt (foreign keys are off
        -- while migrations run, so the rebuild cascades nothing).
        CREATE TABLE jobs_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            file_id INTEGER REFERENCES files (id),
            file_name TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('preparing', 'awaiting_confirmation', 'queued', 'printing',
                'paused', 'completed', 'cancelled', 'failed', 'interrupted')),
            created_at REAL NOT NULL,
            started_at REAL,
            finished_at REAL,
            lines_done INTEGER NOT NULL DEFAULT 0,
            lines_total INTEGER NOT NULL DEFAULT 0,
            bytes_done INTEGER NOT NULL DEFAULT 0,
            bytes_total INTEGER NOT NULL DEFAULT 0,
            layer INTEGER NOT NULL DEFAULT 0,
            detail TEXT NOT NULL DEFAULT '',
            resume_from_line INTEGER NOT NULL DEFAULT 0,
            queue_position INTEGER NOT NULL DEFAULT 0,
            stats TEXT NOT NULL DEFAULT '{}',
            source TEXT NOT NULL DEFAULT 'gcode' CHECK (source IN ('gcode', 'model', 'text')),
            source_text TEXT NOT NULL DEFAULT '',
            stage TEXT NOT NULL DEFAULT '',
            options TEXT NOT NULL DEFAULT '{}'
        );
        INSERT INTO jobs_new (id, file_id, file_name, state, created_at, started_at, finished_at, lines_done,
            lines_total, bytes_done, bytes_total, layer, detail, resume_from_line, queue_position, stats)
        SELECT id, file_id, file_name, state, created_at, started_at, finished_at, lines_done,
            lines_total, bytes_done, bytes_total, layer, detail, resume_from_line, queue_position, stats FROM jobs;
        -- Ids of deleted newest jobs are never reused: carry the counter over.
        UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'jobs'), 0))
            WHERE name = 'jobs_new';
        DROP TABLE jobs;
        ALTER TABLE jobs_new RENAME TO jobs;
        CREATE INDEX jobs_state ON jobs (state, id);
        CREATE INDEX jobs_file ON jobs (file_id);
        CREATE INDEX jobs_queue ON jobs (state, queue_position, id);

        -- Each stage a job runs (research, cad, slice, confirm): its state, progress and output (JSON).
        CREATE TABLE job_stages (
            job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
            stage TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed', 'cancelled')),
            progress REAL NOT NULL DEFAULT 0,
            message TEXT NOT NULL DEFAULT '',
            output TEXT NOT NULL DEFAULT '{}',
            started_at REAL,
            finished_at REAL,
            PRIMARY KEY (job_id, stage)
        );
        """,
    ),
    (
        9,
        """
        -- MQTT store-and-forward: events wait here until the broker acknowledged them (PUBACK), oldest first.
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            message_id TEXT NOT NULL UNIQUE,
            topic TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE INDEX outbox_created ON outbox (created_at);
        """,
    ),
    (
        10,
        """
        -- Over-the-air configuration: every document that reached the pipeline, and how it ended.
        CREATE TABLE config_audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at REAL NOT NULL,
            source TEXT NOT NULL,
            version INTEGER,
            sha256 TEXT NOT NULL DEFAULT '',
            key_id TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            message TEXT NOT NULL
        );
        CREATE INDEX config_audit_at ON config_audit (at);
        """,
    ),
]

LATEST_VERSION = max(version for version, _ in MIGRATIONS)


async def current_version(conn: aiosqlite.Connection) -> int:
    """The highest migration recorded in the database (0 for a new one)."""
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)"
    )
    async with conn.execute("SELECT MAX(version) FROM schema_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row is not None and row[0] is not None else 0


async def apply_migrations(
    conn: aiosqlite.Connection, path: Path, migrations: list[tuple[int, str]] | None = None
) -> int:
    """Bring the schema up to date; refuse a database written by a newer PrintEdge."""
    steps = sorted(MIGRATIONS if migrations is None else migrations)
    latest = max((version for version, _ in steps), default=0)
    version = await current_version(conn)
    if version > latest:
        raise StoreError(
            f"database {path} has schema version {version}, newer than this PrintEdge supports "
            f"({latest}); upgrade PrintEdge or restore an older copy of the database"
        )
    for step, sql in steps:
        if step <= version:
            continue
        log.info("applying schema migration %d to %s", step, path)
        # executescript commits any open transaction first, so BEGIN/COMMIT live inside the script.
        script = (
            f"BEGIN IMMEDIATE;\n{sql}\n;"
            f"INSERT INTO schema_version (version, applied_at) VALUES ({int(step)}, {time.time()!r});\n"
            "COMMIT;"
        )
        try:
            await conn.executescript(script)
        except sqlite3.Error as exc:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise StoreError(f"schema migration {step} failed on {path}: {exc}") from exc
        version = step
    return version

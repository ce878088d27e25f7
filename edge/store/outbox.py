"""The store-and-forward outbox: messages wait until the broker acknowledged them, bounded by count and age."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from edge.store.db import Database

DROPPED_KEY = "outbox_dropped"


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One message waiting for its acknowledgement."""

    id: int
    message_id: str
    topic: str
    payload: str
    created_at: float


class OutboxRepository:
    """Oldest-first queue of messages in SQLite; what the bounds push out is counted, never silently lost."""

    def __init__(self, db: Database, max_events: int, max_age_s: float) -> None:
        self.db = db
        self.max_events = max_events
        self.max_age_s = max_age_s
        self.dropped = 0

    async def load_dropped(self) -> int:
        """Read the persisted count of dropped messages."""
        row = await self.db.fetchone("SELECT value FROM appliance_state WHERE key = ?", (DROPPED_KEY,))
        value = json.loads(str(row["value"])) if row is not None else 0
        self.dropped = value if isinstance(value, int) else 0
        return self.dropped

    async def add(self, message_id: str, topic: str, payload: str, created_at: float | None = None) -> int:
        """Queue a message (a repeated message id is ignored); returns how many the bounds dropped."""
        at = time.time() if created_at is None else created_at
        async with self.db.transaction():
            await self.db.execute(
                "INSERT OR IGNORE INTO outbox (message_id, topic, payload, created_at) VALUES (?, ?, ?, ?)",
                (message_id, topic, payload, at),
            )
            return await self._enforce_bounds(at)

    async def prune(self, now: float | None = None) -> int:
        """Drop messages beyond the bounds; returns how many."""
        async with self.db.transaction():
            return await self._enforce_bounds(time.time() if now is None else now)

    async def after(self, last_id: int, limit: int) -> list[OutboxMessage]:
        """Up to `limit` messages queued after `last_id`, oldest first."""
        rows = await self.db.fetchall(
            "SELECT id, message_id, topic, payload, created_at FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
            (last_id, limit),
        )
        return [
            OutboxMessage(
                id=int(row["id"]),
                message_id=str(row["message_id"]),
                topic=str(row["topic"]),
                payload=str(row["payload"]),
                created_at=float(row["created_at"]),
            )
            for row in rows
        ]

    async def delete(self, ids: list[int]) -> None:
        """Forget acknowledged messages."""
        if ids:
            marks = ",".join("?" * len(ids))
            await self.db.execute(f"DELETE FROM outbox WHERE id IN ({marks})", ids)

    async def count(self) -> int:
        """How many messages wait."""
        row = await self.db.fetchone("SELECT COUNT(*) AS n FROM outbox")
        return int(row["n"]) if row is not None else 0

    async def _enforce_bounds(self, now: float) -> int:
        dropped = await self.db.execute("DELETE FROM outbox WHERE created_at < ?", (now - self.max_age_s,))
        dropped += await self.db.execute(
            "DELETE FROM outbox WHERE id <= (SELECT id FROM outbox ORDER BY id DESC LIMIT 1 OFFSET ?)",
            (self.max_events,),
        )
        if dropped:
            await self.db.execute(
                "INSERT INTO appliance_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE "
                "SET value = CAST(appliance_state.value AS INTEGER) + ?, updated_at = excluded.updated_at",
                (DROPPED_KEY, str(dropped), now, dropped),
            )
            self.dropped += dropped
        return dropped

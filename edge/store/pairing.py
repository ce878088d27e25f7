"""App pairing requests (OctoPrint's application keys): an app asks, the owner decides, the app collects a key."""

from __future__ import annotations

import builtins
import enum
import sqlite3
from dataclasses import dataclass

from edge.store.db import Database

# Finished requests are kept this long after they expire (so `auth requests` can still show them), then deleted.
KEEP_FINISHED_S = 86400.0


class PairingState(enum.StrEnum):
    """Where a pairing request stands."""

    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    DELIVERED = "delivered"  # approved, and the app has collected its key


@dataclass(frozen=True, kw_only=True)
class PairingRequest:
    """One app's request for a key."""

    id: int
    app: str
    state: PairingState
    created_at: float
    expires_at: float
    decided_at: float | None
    decided_by: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (never the app's token)."""
        return {
            "id": self.id,
            "app": self.app,
            "state": self.state.value,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "decided_at": self.decided_at,
            "decided_by": self.decided_by,
        }


class PairingRepository:
    """Pairing requests in the database, found by the SHA-256 hash of the app's token."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, app: str, token_hash: str, at: float, expires_at: float) -> PairingRequest:
        """Record a new pending request."""
        request_id = await self.db.insert(
            "INSERT INTO pairing_requests (app, token_hash, state, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            (app, token_hash, PairingState.PENDING.value, at, expires_at),
        )
        return PairingRequest(
            id=request_id,
            app=app,
            state=PairingState.PENDING,
            created_at=at,
            expires_at=expires_at,
            decided_at=None,
            decided_by="",
        )

    async def by_hash(self, token_hash: str) -> PairingRequest | None:
        """The request whose token hash this is, or None."""
        row = await self.db.fetchone("SELECT * FROM pairing_requests WHERE token_hash = ?", (token_hash,))
        return None if row is None else _request(row)

    async def get(self, request_id: int) -> PairingRequest | None:
        """A request by id, or None."""
        row = await self.db.fetchone("SELECT * FROM pairing_requests WHERE id = ?", (request_id,))
        return None if row is None else _request(row)

    async def open(self, now: float) -> builtins.list[PairingRequest]:
        """Requests still waiting for the owner, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM pairing_requests WHERE state = ? AND expires_at > ? ORDER BY id",
            (PairingState.PENDING.value, now),
        )
        return [_request(row) for row in rows]

    async def decide(self, request_id: int, state: PairingState, by: str, now: float) -> bool:
        """Approve or deny a request that is still pending and not expired; whether it was."""
        changed = await self.db.execute(
            "UPDATE pairing_requests SET state = ?, decided_at = ?, decided_by = ? "
            "WHERE id = ? AND state = ? AND expires_at > ?",
            (state.value, now, by, request_id, PairingState.PENDING.value, now),
        )
        return changed == 1

    async def delivered(self, request_id: int, key_id: int) -> bool:
        """Mark an approved request as collected with its key; whether it was still approved."""
        changed = await self.db.execute(
            "UPDATE pairing_requests SET state = ?, key_id = ? WHERE id = ? AND state = ?",
            (PairingState.DELIVERED.value, key_id, request_id, PairingState.APPROVED.value),
        )
        return changed == 1

    async def prune(self, now: float) -> int:
        """Delete requests that expired more than a day ago; returns how many went."""
        return await self.db.execute("DELETE FROM pairing_requests WHERE expires_at < ?", (now - KEEP_FINISHED_S,))


def _request(row: sqlite3.Row) -> PairingRequest:
    return PairingRequest(
        id=int(row["id"]),
        app=str(row["app"]),
        state=PairingState(row["state"]),
        created_at=float(row["created_at"]),
        expires_at=float(row["expires_at"]),
        decided_at=None if row["decided_at"] is None else float(row["decided_at"]),
        decided_by=str(row["decided_by"]),
    )

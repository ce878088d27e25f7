"""API keys of apps and scripts: named, stored as SHA-256 hashes, revocable, with the time of last use."""

from __future__ import annotations

import builtins
import sqlite3
from dataclasses import dataclass

from edge.store.db import Database


@dataclass(frozen=True, kw_only=True)
class ApiKeyRecord:
    """A key as stored: everything but the key itself."""

    id: int
    name: str
    prefix: str
    created_at: float
    created_by: str
    last_used_at: float | None
    revoked_at: float | None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "prefix": self.prefix,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "last_used_at": self.last_used_at,
            "revoked_at": self.revoked_at,
        }


class ApiKeyRepository:
    """API keys in the database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, name: str, key_hash: str, prefix: str, created_by: str, at: float) -> ApiKeyRecord | None:
        """Store a new key; None when a key that still works already has this name (nothing is stored then)."""
        async with self.db.transaction():
            if await self.active(name) is not None:
                return None
            key_id = await self.db.insert(
                "INSERT INTO api_keys (name, key_hash, prefix, created_at, created_by) VALUES (?, ?, ?, ?, ?)",
                (name, key_hash, prefix, at, created_by),
            )
        return ApiKeyRecord(
            id=key_id,
            name=name,
            prefix=prefix,
            created_at=at,
            created_by=created_by,
            last_used_at=None,
            revoked_at=None,
        )

    async def free_name(self, wanted: str) -> str:
        """wanted, or wanted (2), (3) ... whichever no working key has yet."""
        name, number = wanted, 1
        while await self.active(name) is not None:
            number += 1
            name = f"{wanted} ({number})"
        return name

    async def active(self, name: str) -> ApiKeyRecord | None:
        """The working key with this name, or None."""
        row = await self.db.fetchone("SELECT * FROM api_keys WHERE name = ? AND revoked_at IS NULL", (name,))
        return None if row is None else _record(row)

    async def by_hash(self, key_hash: str) -> ApiKeyRecord | None:
        """The key whose hash this is (revoked or not), or None."""
        row = await self.db.fetchone("SELECT * FROM api_keys WHERE key_hash = ?", (key_hash,))
        return None if row is None else _record(row)

    async def list(self, *, include_revoked: bool = False) -> builtins.list[ApiKeyRecord]:
        """Keys by name; revoked ones only when asked."""
        where = "" if include_revoked else "WHERE revoked_at IS NULL "
        rows = await self.db.fetchall(f"SELECT * FROM api_keys {where}ORDER BY name, id")
        return [_record(row) for row in rows]

    async def revoke(self, name: str, at: float) -> ApiKeyRecord | None:
        """Revoke the working key with this name; None when there is none."""
        async with self.db.transaction():
            found = await self.active(name)
            if found is None:
                return None
            await self.db.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ?", (at, found.id))
        return ApiKeyRecord(
            id=found.id,
            name=found.name,
            prefix=found.prefix,
            created_at=found.created_at,
            created_by=found.created_by,
            last_used_at=found.last_used_at,
            revoked_at=at,
        )

    async def touch(self, key_id: int, at: float) -> None:
        """Record that a key was used."""
        await self.db.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", (at, key_id))


def _record(row: sqlite3.Row) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=int(row["id"]),
        name=str(row["name"]),
        prefix=str(row["prefix"]),
        created_at=float(row["created_at"]),
        created_by=str(row["created_by"]),
        last_used_at=None if row["last_used_at"] is None else float(row["last_used_at"]),
        revoked_at=None if row["revoked_at"] is None else float(row["revoked_at"]),
    )

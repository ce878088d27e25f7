"""The owner's account and the panel sessions signed in to it (session tokens stored as SHA-256 hashes)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from edge.store.db import Database


@dataclass(frozen=True, kw_only=True)
class User:
    """A person who may sign in to the panel."""

    id: int
    name: str
    password_hash: str
    is_owner: bool
    created_at: float

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (never the password hash)."""
        return {"name": self.name, "owner": self.is_owner, "created_at": self.created_at}


@dataclass(frozen=True, kw_only=True)
class Session:
    """A signed-in panel session: its user, its CSRF token and when it ends."""

    id: int
    user_id: int
    user_name: str
    csrf_token: str
    created_at: float
    expires_at: float


class AccountRepository:
    """Users and sessions in the database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def owner(self) -> User | None:
        """The owner, or None while the device is unclaimed."""
        row = await self.db.fetchone("SELECT * FROM users WHERE is_owner = 1 ORDER BY id LIMIT 1")
        return None if row is None else _user(row)

    async def by_name(self, name: str) -> User | None:
        """A user by name, or None."""
        row = await self.db.fetchone("SELECT * FROM users WHERE name = ?", (name,))
        return None if row is None else _user(row)

    async def create_owner(self, name: str, password_hash: str, at: float) -> User | None:
        """Create the owner; None when the device already has one (nothing is changed then)."""
        async with self.db.transaction():
            if await self.db.fetchone("SELECT id FROM users WHERE is_owner = 1") is not None:
                return None
            user_id = await self.db.insert(
                "INSERT INTO users (name, password_hash, is_owner, created_at) VALUES (?, ?, 1, ?)",
                (name, password_hash, at),
            )
        return User(id=user_id, name=name, password_hash=password_hash, is_owner=True, created_at=at)

    async def remove_owner(self) -> int:
        """Delete every user and session: the device is unclaimed again; returns how many users went."""
        async with self.db.transaction():
            await self.db.execute("DELETE FROM sessions")
            return await self.db.execute("DELETE FROM users")

    async def create_session(
        self, user: User, token_hash: str, csrf_token: str, at: float, expires_at: float
    ) -> Session:
        """Record a new session for a user."""
        session_id = await self.db.insert(
            "INSERT INTO sessions (token_hash, csrf_token, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            (token_hash, csrf_token, user.id, at, expires_at),
        )
        return Session(
            id=session_id,
            user_id=user.id,
            user_name=user.name,
            csrf_token=csrf_token,
            created_at=at,
            expires_at=expires_at,
        )

    async def session(self, token_hash: str) -> Session | None:
        """The session a cookie's token hash names, expired or not, or None."""
        row = await self.db.fetchone(
            "SELECT s.*, u.name AS user_name FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
            (token_hash,),
        )
        if row is None:
            return None
        return Session(
            id=int(row["id"]),
            user_id=int(row["user_id"]),
            user_name=str(row["user_name"]),
            csrf_token=str(row["csrf_token"]),
            created_at=float(row["created_at"]),
            expires_at=float(row["expires_at"]),
        )

    async def end_session(self, session_id: int) -> None:
        """Delete a session (sign out)."""
        await self.db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    async def prune_sessions(self, now: float) -> int:
        """Delete expired sessions; returns how many went."""
        return await self.db.execute("DELETE FROM sessions WHERE expires_at <= ?", (now,))


def _user(row: sqlite3.Row) -> User:
    return User(
        id=int(row["id"]),
        name=str(row["name"]),
        password_hash=str(row["password_hash"]),
        is_owner=bool(row["is_owner"]),
        created_at=float(row["created_at"]),
    )

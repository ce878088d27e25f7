"""The config audit log: every over-the-air configuration document that reached the pipeline, and how it ended."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from edge.store.db import Database


@dataclass(frozen=True, kw_only=True)
class ConfigAttempt:
    """One attempt as recorded."""

    id: int
    at: float
    source: str
    version: int | None
    sha256: str
    key_id: str
    status: str
    reason: str
    message: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return asdict(self)


class ConfigAuditLog:
    """Appends and lists config attempts."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(
        self,
        *,
        source: str,
        version: int | None,
        status: str,
        message: str,
        sha256: str = "",
        key_id: str = "",
        reason: str = "",
    ) -> None:
        """Append one attempt."""
        await self.db.execute(
            "INSERT INTO config_audit (at, source, version, sha256, key_id, status, reason, message) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (time.time(), source, version, sha256, key_id, status, reason, message),
        )

    async def list(self, limit: int = 100) -> list[ConfigAttempt]:
        """The newest attempts first."""
        rows = await self.db.fetchall("SELECT * FROM config_audit ORDER BY id DESC LIMIT ?", (limit,))
        return [
            ConfigAttempt(
                id=int(row["id"]),
                at=float(row["at"]),
                source=str(row["source"]),
                version=None if row["version"] is None else int(row["version"]),
                sha256=str(row["sha256"]),
                key_id=str(row["key_id"]),
                status=str(row["status"]),
                reason=str(row["reason"]),
                message=str(row["message"]),
            )
            for row in rows
        ]

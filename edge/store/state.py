"""Small facts about the appliance that must survive a restart, such as whether the bed is clear."""

from __future__ import annotations

import json
import time

from edge.store.db import Database


class ApplianceState:
    """A key-value table of JSON values."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get_bool(self, key: str, default: bool) -> bool:
        """A stored true/false, or the default."""
        row = await self.db.fetchone("SELECT value FROM appliance_state WHERE key = ?", (key,))
        if row is None:
            return default
        value = json.loads(str(row["value"]))
        return value if isinstance(value, bool) else default

    async def get_text(self, key: str, default: str) -> str:
        """A stored text, or the default."""
        row = await self.db.fetchone("SELECT value FROM appliance_state WHERE key = ?", (key,))
        if row is None:
            return default
        value = json.loads(str(row["value"]))
        return value if isinstance(value, str) else default

    async def set(self, key: str, value: bool | int | float | str) -> None:
        """Store a value."""
        await self.db.execute(
            "INSERT INTO appliance_state (key, value, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (key, json.dumps(value), time.time()),
        )

"""The audit log: who asked for what, through which interface, and how it ended; pruned by age and count."""

from __future__ import annotations

import builtins
import enum
import logging
import sqlite3
import time
from dataclasses import asdict, dataclass

from edge.core.errors import StoreError
from edge.store.db import Database

log = logging.getLogger("printedge.store")

PRUNE_EVERY = 100
MAX_LIST = 1000


class AuditResult(enum.StrEnum):
    """How a command ended."""

    OK = "ok"
    REFUSED = "refused"
    ERROR = "error"


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    """One command as recorded."""

    id: int
    at: float
    caller_kind: str
    caller_name: str
    action: str
    detail: str
    result: AuditResult
    message: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        data = asdict(self)
        data["result"] = self.result.value
        return data


class AuditLog:
    """Appends audit entries and keeps at most max_entries of them, none older than max_age_s."""

    def __init__(self, db: Database, max_age_s: float, max_entries: int, *, prune_every: int = PRUNE_EVERY) -> None:
        if max_age_s <= 0:
            raise ValueError(f"audit max_age_s must be positive (got {max_age_s!r})")
        if max_entries < 1 or prune_every < 1:
            raise ValueError(f"audit max_entries and prune_every must be at least 1 (got {max_entries}, {prune_every})")
        self.db = db
        self.max_age_s = max_age_s
        self.max_entries = max_entries
        self.prune_every = prune_every
        self._until_prune = 1  # the first record of a process prunes, so frequent restarts still prune

    async def record(
        self,
        *,
        caller_kind: str,
        caller_name: str,
        action: str,
        detail: str = "",
        result: AuditResult | str,
        message: str = "",
    ) -> AuditEntry:
        """Append one entry; every prune_every entries, old ones are pruned."""
        outcome = _result(result)
        if not caller_kind or not action:
            raise ValueError(f"an audit entry needs a caller kind and an action (got {caller_kind!r}, {action!r})")
        at = time.time()
        entry_id = await self.db.insert(
            "INSERT INTO audit (at, caller_kind, caller_name, action, detail, result, message) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (at, caller_kind, caller_name, action, detail, outcome.value, message),
        )
        self._until_prune -= 1
        if self._until_prune <= 0:
            self._until_prune = self.prune_every
            try:
                await self.prune()
            except StoreError as exc:
                # The entry is recorded; pruning is retried with the next batch.
                log.warning("audit log could not be pruned: %s", exc.message)
        return AuditEntry(
            id=entry_id,
            at=at,
            caller_kind=caller_kind,
            caller_name=caller_name,
            action=action,
            detail=detail,
            result=outcome,
            message=message,
        )

    async def list(
        self,
        *,
        limit: int = 100,
        before_id: int | None = None,
        caller_kind: str | None = None,
        action: str | None = None,
    ) -> builtins.list[AuditEntry]:
        """Entries newest first; before_id pages back, caller_kind and action filter."""
        if not 1 <= limit <= MAX_LIST:
            raise ValueError(f"audit list limit must be between 1 and {MAX_LIST} (got {limit})")
        where: builtins.list[str] = []
        params: builtins.list[object] = []
        for column, value in (("id <", before_id), ("caller_kind =", caller_kind), ("action =", action)):
            if value is not None:
                where.append(f"{column} ?")
                params.append(value)
        clause = f"WHERE {' AND '.join(where)} " if where else ""
        rows = await self.db.fetchall(f"SELECT * FROM audit {clause}ORDER BY id DESC LIMIT ?", (*params, limit))
        return [_entry(row) for row in rows]

    async def prune(self) -> int:
        """Delete entries older than max_age_s and all but the newest max_entries; returns how many went."""
        cutoff = time.time() - self.max_age_s
        async with self.db.transaction():
            removed = await self.db.execute("DELETE FROM audit WHERE at < ?", (cutoff,))
            removed += await self.db.execute(
                "DELETE FROM audit WHERE id <= (SELECT id FROM audit ORDER BY id DESC LIMIT 1 OFFSET ?)",
                (self.max_entries,),
            )
        if removed:
            log.info("audit log pruned: %d entries removed", removed)
        return removed


def _result(value: AuditResult | str) -> AuditResult:
    try:
        return AuditResult(value)
    except ValueError:
        choices = ", ".join(result.value for result in AuditResult)
        raise ValueError(f"audit result must be one of {choices} (got {value!r})") from None


def _entry(row: sqlite3.Row) -> AuditEntry:
    return AuditEntry(
        id=int(row["id"]),
        at=float(row["at"]),
        caller_kind=str(row["caller_kind"]),
        caller_name=str(row["caller_name"]),
        action=str(row["action"]),
        detail=str(row["detail"]),
        result=AuditResult(row["result"]),
        message=str(row["message"]),
    )

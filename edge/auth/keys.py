"""API keys: created and shown once, resolved to their caller, revoked; the last use is recorded."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from edge.auth.errors import ApiKeyNameTakenError, ApiKeyNotFoundError, InvalidApiKeyError, RevokedApiKeyError
from edge.auth.names import label
from edge.auth.tokens import new_api_key, shown_prefix, token_hash
from edge.control.caller import Caller, CallerKind
from edge.store.api_keys import ApiKeyRecord, ApiKeyRepository

# last_used_at is written at most this often per key, so a busy script does not write on every request.
TOUCH_EVERY_S = 60.0


class ApiKeys:
    """The keys of apps and scripts."""

    def __init__(self, repo: ApiKeyRepository, *, clock: Callable[[], float] = time.time) -> None:
        self.repo = repo
        self._clock = clock
        self._touched: dict[int, float] = {}

    async def create(self, name: str, by: Caller) -> tuple[str, ApiKeyRecord]:
        """A new key and its record; the key itself is never stored and cannot be shown again."""
        name = label(name, "API key name")
        key = new_api_key()
        record = await self.repo.add(name, token_hash(key), shown_prefix(key), str(by), self._clock())
        if record is None:
            raise ApiKeyNameTakenError(
                f"an API key named {name!r} exists already; revoke it first or choose another name"
            )
        return key, record

    async def create_for_app(self, app: str, by: str) -> tuple[str, ApiKeyRecord]:
        """A key named after a paired app ('App', 'App (2)', ...); call inside a transaction."""
        name = await self.repo.free_name(app)
        key = new_api_key()
        record = await self.repo.add(name, token_hash(key), shown_prefix(key), by, self._clock())
        if record is None:  # pragma: no cover - free_name and add share the transaction
            raise ApiKeyNameTakenError(f"an API key named {name!r} exists already")
        return key, record

    async def revoke(self, name: str) -> ApiKeyRecord:
        """Revoke the working key with this name; it stops working at once."""
        record = await self.repo.revoke(name, self._clock())
        if record is None:
            names = ", ".join(repr(key.name) for key in await self.repo.list()) or "none"
            raise ApiKeyNotFoundError(f"no working API key is named {name!r} (working keys: {names})")
        self._touched.pop(record.id, None)
        return record

    async def list(self, *, include_revoked: bool = False) -> list[ApiKeyRecord]:
        """Keys by name."""
        return await self.repo.list(include_revoked=include_revoked)

    async def caller(self, key: str) -> Caller:
        """The caller a key stands for, or the reason it does not work."""
        record = await self.repo.by_hash(token_hash(key))
        if record is None:
            raise InvalidApiKeyError(
                f"the API key given (starting {shown_prefix(key)!r}) is not known to this device; create one with "
                "`printedge auth key create NAME` or in the panel"
            )
        if record.revoked_at is not None:
            when = datetime.fromtimestamp(record.revoked_at, tz=UTC).isoformat(timespec="seconds")
            raise RevokedApiKeyError(f"API key {record.name!r} was revoked at {when}; create a new key")
        now = self._clock()
        if now - self._touched.get(record.id, 0.0) >= TOUCH_EVERY_S:
            self._touched[record.id] = now
            await self.repo.touch(record.id, now)
        return Caller(CallerKind.API_KEY, record.name)

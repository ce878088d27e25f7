"""Replay protection: the nonces of accepted commands, kept (and persisted) until their commands are stale anyway."""

from __future__ import annotations

import asyncio
import json
import logging

from edge.core.errors import PrintEdgeError
from edge.store.state import ApplianceState

log = logging.getLogger("printedge.telemetry")

STATE_KEY = "fleet.seen_nonces"
# Only verified commands are recorded, so this bounds what a flood by a trusted operator key can cost.
MAX_NONCES = 10_000


class ReplayWindowFullError(PrintEdgeError):
    """Too many commands within one replay window to remember them all."""

    code = "replay_window_full"


class NonceLedger:
    """Nonce -> the time after which its command would be refused as stale; persisted before a command runs."""

    def __init__(self, state: ApplianceState) -> None:
        self._state = state
        self._seen: dict[str, float] | None = None
        self._lock = asyncio.Lock()

    async def claim(self, nonce: str, keep_until: float, now: float) -> bool:
        """Record a nonce; False when it was already seen (a replay or a duplicate delivery)."""
        async with self._lock:
            seen = {n: until for n, until in (await self._load()).items() if until >= now}
            if nonce in seen:
                return False
            if len(seen) >= MAX_NONCES:
                raise ReplayWindowFullError(f"{len(seen)} commands within the replay window; at most {MAX_NONCES}")
            seen[nonce] = keep_until
            # Written before the command runs: a crash after this point never lets the same message run twice.
            await self._state.set(STATE_KEY, json.dumps(seen, separators=(",", ":")))
            self._seen = seen
            return True

    async def _load(self) -> dict[str, float]:
        if self._seen is None:
            raw = await self._state.get_text(STATE_KEY, "{}")
            try:
                loaded = json.loads(raw)
            except json.JSONDecodeError:
                log.error("stored fleet nonces are not JSON; starting an empty replay window")
                loaded = {}
            self._seen = {
                str(nonce): float(until)
                for nonce, until in (loaded.items() if isinstance(loaded, dict) else ())
                if isinstance(until, int | float)
            }
        return self._seen

"""App pairing as OctoPrint's application keys plugin does it: request, owner's decision, key collected once."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from edge.auth.errors import (
    PairingClosedError,
    PairingRequestNotFoundError,
    TooManyPairingRequestsError,
    UnknownPairingTokenError,
)
from edge.auth.keys import ApiKeys
from edge.auth.names import label
from edge.auth.tokens import new_token, token_hash
from edge.store.db import Database
from edge.store.pairing import PairingRepository, PairingRequest, PairingState

log = logging.getLogger("printedge.auth")


class PairingDesk:
    """Pairing requests: apps ask and poll, the owner (panel or CLI) approves or denies."""

    def __init__(
        self,
        db: Database,
        keys: ApiKeys,
        *,
        timeout_s: float,
        max_pending: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.repo = PairingRepository(db)
        self.keys = keys
        self.timeout_s = timeout_s
        self.max_pending = max_pending
        self._clock = clock

    async def request(self, app: str) -> str:
        """Record an app's request; returns the token it polls with."""
        app = label(app, '"app"')
        now = self._clock()
        await self.repo.prune(now)
        waiting = await self.repo.open(now)
        if len(waiting) >= self.max_pending:
            wait = max(1, math.ceil(min(r.expires_at for r in waiting) - now))
            raise TooManyPairingRequestsError(
                f"{len(waiting)} pairing requests are waiting for the owner already (auth.max_pending_pairings); "
                f"approve or deny them, or try again in {wait} s",
                wait,
            )
        token = new_token()
        request = await self.repo.add(app, token_hash(token), now, now + self.timeout_s)
        log.info(
            "app %r asks for an API key (pairing request %d); approve it in the panel or with "
            "`printedge auth approve %d` within %g s",
            app,
            request.id,
            request.id,
            self.timeout_s,
        )
        return token

    async def poll(self, token: str) -> str | None:
        """None while the owner has not decided; the new API key once approved (only once)."""
        request = await self.repo.by_hash(token_hash(token))
        if request is None:
            raise UnknownPairingTokenError("no pairing request has this token; request a new one")
        now = self._clock()
        if request.state is PairingState.PENDING and request.expires_at > now:
            return None
        if request.state is PairingState.APPROVED and (request.decided_at or 0.0) + self.timeout_s > now:
            return await self._deliver(request)
        raise PairingClosedError(f"the pairing request of {request.app!r} {_closed(request, now)}; request a new one")

    async def waiting(self) -> list[PairingRequest]:
        """Requests waiting for the owner, oldest first."""
        return await self.repo.open(self._clock())

    async def decide(self, selector: str, approve: bool, by: str) -> PairingRequest:
        """Approve or deny a waiting request named by id, app name or token."""
        request = await self._find(selector)
        state = PairingState.APPROVED if approve else PairingState.DENIED
        if not await self.repo.decide(request.id, state, by, self._clock()):
            raise PairingRequestNotFoundError(f"pairing request {request.id} ({request.app!r}) is no longer waiting")
        log.info("pairing request %d (%r) %s by %s", request.id, request.app, state.value, by)
        decided = await self.repo.get(request.id)
        assert decided is not None
        return decided

    async def _deliver(self, request: PairingRequest) -> str:
        async with self.db.transaction():
            key, record = await self.keys.create_for_app(request.app, f"pairing:{request.decided_by}")
            if not await self.repo.delivered(request.id, record.id):
                raise PairingClosedError(f"the pairing request of {request.app!r} was already collected")
        log.info("app %r collected its API key %r (pairing request %d)", request.app, record.name, request.id)
        return key

    async def _find(self, selector: str) -> PairingRequest:
        waiting = await self.waiting()
        text = selector.strip()
        if text.isdigit():
            matches = [r for r in waiting if r.id == int(text)]
        else:
            by_token = await self.repo.by_hash(token_hash(text))
            matches = [r for r in waiting if (by_token and r.id == by_token.id) or r.app.casefold() == text.casefold()]
        if len(matches) == 1:
            return matches[0]
        if matches:
            ids = ", ".join(str(r.id) for r in matches)
            raise PairingRequestNotFoundError(
                f"several pairing requests of {selector!r} are waiting (ids {ids}); name one by its id"
            )
        listed = ", ".join(f"{r.id} ({r.app!r})" for r in waiting) or "none"
        raise PairingRequestNotFoundError(
            f"no pairing request named {selector!r} is waiting for a decision (waiting: {listed})"
        )


def _closed(request: PairingRequest, now: float) -> str:
    if request.state is PairingState.DENIED:
        return "was denied"
    if request.state is PairingState.DELIVERED:
        return "was already collected"
    return "has expired (auth.pairing_timeout_s)"

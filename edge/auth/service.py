"""Authenticator: the owner, API keys, pairing and the failure limiter of one data directory, put together."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from edge.auth.keys import ApiKeys
from edge.auth.owner import OwnerAccount
from edge.auth.pairing import PairingDesk
from edge.auth.ratelimit import FailureLimiter
from edge.auth.setup_code import ensure_setup_code
from edge.config.schema import AuthConfig
from edge.control.caller import Caller
from edge.store.accounts import AccountRepository, User
from edge.store.api_keys import ApiKeyRepository
from edge.store.audit import AuditLog, AuditResult
from edge.store.db import Database

log = logging.getLogger("printedge.auth")


class Authenticator:
    """Everything authentication needs, over one database; the web and the CLI use the same one."""

    def __init__(
        self,
        db: Database,
        config: AuthConfig,
        data_dir: Path,
        *,
        audit: AuditLog | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.data_dir = data_dir
        self.accounts = AccountRepository(db)
        self.owner = OwnerAccount(
            self.accounts,
            data_dir,
            min_password_length=config.min_password_length,
            session_s=config.session_hours * 3600.0,
            clock=clock,
        )
        self.keys = ApiKeys(ApiKeyRepository(db), clock=clock)
        self.pairing = PairingDesk(
            db, self.keys, timeout_s=config.pairing_timeout_s, max_pending=config.max_pending_pairings, clock=clock
        )
        self.limiter = FailureLimiter(config.max_failures, config.failure_window_s)
        self.audit = audit

    def reconfigure(self, config: AuthConfig) -> None:
        """Take a new auth section in place: sessions, pairings and failure limits made from now on follow it."""
        self.config = config
        self.owner.min_password_length = config.min_password_length
        self.owner.session_s = config.session_hours * 3600.0
        self.pairing.timeout_s = config.pairing_timeout_s
        self.pairing.max_pending = config.max_pending_pairings
        self.limiter.max_failures = config.max_failures
        self.limiter.window_s = config.failure_window_s

    async def start(self) -> None:
        """While the device has no owner: make sure there is a setup code, and write it to the log."""
        if await self.accounts.owner() is not None:
            return
        code = await ensure_setup_code(self.data_dir)
        log.warning(
            "this device is not claimed yet: claim it with setup code %s "
            "(POST /api/v1/auth/claim; `printedge auth setup-code` prints the code again)",
            code,
        )

    async def owner_user(self) -> User | None:
        """The owner, or None while the device is unclaimed."""
        return await self.accounts.owner()

    async def record(self, caller: Caller, action: str, detail: str = "") -> None:
        """Write an authentication change to the audit log (when there is one)."""
        if self.audit is None:
            return
        await self.audit.record(
            caller_kind=caller.kind.value, caller_name=caller.name, action=action, detail=detail, result=AuditResult.OK
        )

"""The owner: claiming the device with the setup code, signing in and out of panel sessions."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from edge.auth.errors import (
    AlreadyClaimedError,
    LoginFailedError,
    NotClaimedError,
    SessionExpiredError,
    SetupCodeInvalidError,
    WeakPasswordError,
)
from edge.auth.names import user_name
from edge.auth.setup_code import ensure_setup_code, read_setup_code, remove_setup_code
from edge.auth.tokens import hash_password, new_token, setup_codes_match, token_hash, verify_password
from edge.store.accounts import AccountRepository, Session, User

log = logging.getLogger("printedge.auth")

T = TypeVar("T")

# scrypt runs in threads; at most this many at once, so a burst of sign-ins cannot eat memory and every core.
HASHING_SLOTS = 2
# Checked when the user does not exist, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


@dataclass(frozen=True, kw_only=True)
class SignedIn:
    """A new session: the cookie's token (shown once, stored only as a hash) and the session."""

    token: str
    session: Session
    user: User


class OwnerAccount:
    """Claim, sign in, resolve a session cookie, sign out."""

    def __init__(
        self,
        accounts: AccountRepository,
        data_dir: Path,
        *,
        min_password_length: int,
        session_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.accounts = accounts
        self.data_dir = data_dir
        self.min_password_length = min_password_length
        self.session_s = session_s
        self._clock = clock
        self._hashing = asyncio.Semaphore(HASHING_SLOTS)

    async def claim(self, setup_code: str, name: str, password: str) -> SignedIn:
        """Create the owner with the one-time setup code; the code stops working."""
        await self._refuse_if_claimed()
        expected = await read_setup_code(self.data_dir) or await ensure_setup_code(self.data_dir)
        if not setup_codes_match(setup_code, expected):
            raise SetupCodeInvalidError(
                "the setup code is wrong; `printedge auth setup-code` on the device prints it, and "
                "`printedge run` writes it to its log"
            )
        user_name(name)
        self.check_password(password)
        encoded = await self._in_thread(hash_password, password)
        user = await self.accounts.create_owner(name, encoded, self._clock())
        if user is None:
            await self._refuse_if_claimed()
            raise AlreadyClaimedError("this device was claimed by someone else a moment ago")
        await remove_setup_code(self.data_dir)
        log.info("device claimed by %r", name)
        return await self._open_session(user)

    async def login(self, name: str, password: str) -> SignedIn:
        """Check the password and open a session."""
        if await self.accounts.owner() is None:
            raise NotClaimedError("this device has no owner yet: claim it with the setup code first")
        user = await self.accounts.by_name(name)
        ok = await self._in_thread(verify_password, password, user.password_hash if user else _DUMMY_HASH)
        if user is None or not ok:
            raise LoginFailedError("wrong user name or password")
        await self.accounts.prune_sessions(self._clock())
        return await self._open_session(user)

    async def session(self, token: str) -> Session:
        """The live session a cookie names."""
        session = await self.accounts.session(token_hash(token))
        if session is None:
            raise SessionExpiredError("the panel session is unknown or was signed out; sign in again")
        if session.expires_at <= self._clock():
            raise SessionExpiredError("the panel session has expired (auth.session_hours); sign in again")
        return session

    async def logout(self, session: Session) -> None:
        """End a session."""
        await self.accounts.end_session(session.id)

    def check_password(self, password: str) -> None:
        """Refuse a password shorter than auth.min_password_length."""
        if len(password) < self.min_password_length:
            raise WeakPasswordError(
                f"the password has {len(password)} characters; at least {self.min_password_length} are needed "
                "(auth.min_password_length)"
            )

    async def _refuse_if_claimed(self) -> None:
        owner = await self.accounts.owner()
        if owner is not None:
            raise AlreadyClaimedError(
                f"this device is already claimed (owner {owner.name!r}); sign in instead, or run "
                "`printedge auth reset-owner` on the device to claim it again"
            )

    async def _open_session(self, user: User) -> SignedIn:
        token = new_token()
        now = self._clock()
        session = await self.accounts.create_session(user, token_hash(token), new_token(), now, now + self.session_s)
        return SignedIn(token=token, session=session, user=user)

    async def _in_thread(self, func: Callable[..., T], *args: str) -> T:
        async with self._hashing:
            return await asyncio.to_thread(func, *args)

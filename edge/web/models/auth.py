"""Models of the authentication endpoints: claiming, signing in, the session, API keys and pairing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypedDict

from edge.control.caller import CallerKind
from edge.web.schema import Meta

Name = Annotated[str, Meta(not_blank=True)]


class AuthState(TypedDict):
    """Whether the device has an owner yet, the password rule, and whether this browser is signed in."""

    claimed: bool
    min_password_length: int
    signed_in: bool


@dataclass(frozen=True)
class ClaimRequest:
    """Become the owner with the setup code."""

    setup_code: Annotated[str, Meta(description="the one-time code from the device's log", not_blank=True)]
    username: Name
    password: str


@dataclass(frozen=True)
class LoginRequest:
    """Sign in to the panel."""

    username: Name
    password: str


class UserView(TypedDict):
    """A person who may sign in."""

    name: str
    owner: bool
    created_at: float


class SignedIn(TypedDict):
    """A new panel session: send its CSRF token in the X-CSRF-Token header with every change."""

    user: UserView
    csrf_token: str
    csrf_header: str
    expires_at: float


class CallerView(TypedDict):
    """Who sent a request."""

    kind: CallerKind
    name: str


class _Caller(TypedDict):
    caller: CallerView


class SessionInfo(_Caller, total=False):
    """The caller; for a panel session also its CSRF token and when it ends."""

    csrf_token: str
    csrf_header: str
    expires_at: float


@dataclass(frozen=True)
class KeysQuery:
    """Whether to list revoked keys too."""

    revoked: Annotated[bool, Meta(description="include revoked keys")] = False


@dataclass(frozen=True)
class NewKey:
    """A name for a new API key."""

    name: Annotated[str, Meta(description="e.g. Cura on the laptop", not_blank=True)]


@dataclass(frozen=True)
class KeyPath:
    """An API key's name in the URL."""

    name: str


class ApiKeyView(TypedDict):
    """An API key as stored: everything but the key itself."""

    name: str
    prefix: str
    created_at: float
    created_by: str
    last_used_at: float | None
    revoked_at: float | None


class KeySecret(TypedDict):
    """The new key itself: shown only this once."""

    key: str

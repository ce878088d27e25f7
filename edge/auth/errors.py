"""The errors of authentication; each message says what was wrong and what to do."""

from __future__ import annotations

from edge.core.errors import PrintEdgeError


class AuthError(PrintEdgeError):
    """Base of the authentication errors."""

    code = "auth_error"


class AuthenticationRequiredError(AuthError):
    """The request carries no credentials and the endpoint needs them."""

    code = "authentication_required"


class CredentialError(AuthError):
    """A credential was given and is wrong; these count towards the per-address failure limit."""

    code = "credentials_invalid"


class InvalidApiKeyError(CredentialError):
    """An API key that this device never issued."""

    code = "api_key_invalid"


class RevokedApiKeyError(CredentialError):
    """An API key that was revoked."""

    code = "api_key_revoked"


class SessionExpiredError(CredentialError):
    """A panel session cookie that is unknown, signed out or expired."""

    code = "session_expired"


class LoginFailedError(CredentialError):
    """A wrong user name or password."""

    code = "login_failed"


class SetupCodeInvalidError(CredentialError):
    """A wrong setup code while claiming the device."""

    code = "setup_code_invalid"


class CsrfTokenError(CredentialError):
    """A cookie-authenticated change without the session's X-CSRF-Token header, or with a wrong one."""

    code = "csrf_token_invalid"


class CsrfTokenMissingError(CsrfTokenError):
    """A cookie-authenticated change without an X-CSRF-Token header."""

    code = "csrf_token_missing"


class UnknownPairingTokenError(CredentialError):
    """A pairing token this device never handed out."""

    code = "pairing_request_not_found"


class PairingClosedError(AuthError):
    """A pairing request that was denied, has expired or was already collected."""

    code = "pairing_request_not_found"


class PairingRequestNotFoundError(AuthError):
    """The owner named a pairing request that is not waiting for a decision."""

    code = "pairing_request_not_found"


class PermissionDeniedError(AuthError):
    """The caller is known but may not do this (an API key managing keys)."""

    code = "forbidden"


class OriginNotAllowedError(PermissionDeniedError):
    """A cross-origin request from an origin that api.cors_origins does not list."""

    code = "origin_not_allowed"


class AlreadyClaimedError(AuthError):
    """The device has an owner already."""

    code = "already_claimed"


class NotClaimedError(AuthError):
    """The device has no owner yet, so nobody can sign in."""

    code = "not_claimed"


class WeakPasswordError(AuthError):
    """A password shorter than auth.min_password_length."""

    code = "password_too_short"


class InvalidNameError(AuthError):
    """A user, key or app name that is empty, too long or has characters that are not allowed."""

    code = "invalid_name"


class ApiKeyNameTakenError(AuthError):
    """A key that still works already has this name."""

    code = "api_key_name_taken"


class ApiKeyNotFoundError(AuthError):
    """No working key has this name."""

    code = "api_key_not_found"


class RetryLaterError(AuthError):
    """Refused for now; retry_after_s says when to try again."""

    code = "retry_later"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class TooManyFailuresError(RetryLaterError):
    """Too many failed authentications from one client address."""

    code = "too_many_failures"


class TooManyPairingRequestsError(RetryLaterError):
    """Too many pairing requests are waiting for the owner already."""

    code = "too_many_pairing_requests"

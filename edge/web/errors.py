"""Errors of the HTTP API and the middleware that turns every failure into JSON with a fitting status."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from edge.agents.errors import AgentError
from edge.auth.errors import (
    AlreadyClaimedError,
    ApiKeyNameTakenError,
    ApiKeyNotFoundError,
    AuthenticationRequiredError,
    CredentialError,
    CsrfTokenError,
    InvalidNameError,
    NotClaimedError,
    PairingClosedError,
    PairingRequestNotFoundError,
    PermissionDeniedError,
    RetryLaterError,
    SetupCodeInvalidError,
    UnknownPairingTokenError,
    WeakPasswordError,
)
from edge.core.errors import (
    CommandRejectedError,
    CommandTimeoutError,
    ConfirmationRequiredError,
    DiskFullError,
    FileInUseError,
    FileRejectedError,
    InvalidJobStateError,
    JobError,
    LinkError,
    NotFoundError,
    PrintEdgeError,
    PrinterError,
    PrinterNotReadyError,
    PrintRefusedError,
    QueuePositionError,
    StoreError,
)

log = logging.getLogger("printedge.web")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BadRequestError(PrintEdgeError):
    """The request itself is wrong: malformed JSON, a missing field, a value of the wrong type."""

    code = "bad_request"


class FileTooLargeError(FileRejectedError):
    """An upload is larger than api.max_upload_mb."""

    code = "file_too_large"


class UnsupportedFileTypeError(FileRejectedError):
    """An upload's name does not end in a G-code extension."""

    code = "unsupported_file_type"


# Looked up along each error's class hierarchy, so the most specific class wins.
STATUS_BY_ERROR: dict[type[PrintEdgeError], int] = {
    BadRequestError: 400,
    CommandRejectedError: 400,
    NotFoundError: 404,
    InvalidJobStateError: 409,
    JobError: 409,
    PrinterNotReadyError: 409,
    LinkError: 409,
    PrinterError: 409,
    FileInUseError: 409,
    StoreError: 409,
    FileTooLargeError: 413,
    UnsupportedFileTypeError: 415,
    FileRejectedError: 422,
    PrintRefusedError: 422,
    AgentError: 422,
    ConfirmationRequiredError: 409,
    QueuePositionError: 400,
    CommandTimeoutError: 504,
    DiskFullError: 507,
    AuthenticationRequiredError: 401,
    CredentialError: 401,
    SetupCodeInvalidError: 403,
    CsrfTokenError: 403,
    PermissionDeniedError: 403,
    UnknownPairingTokenError: 404,
    PairingClosedError: 404,
    PairingRequestNotFoundError: 404,
    ApiKeyNotFoundError: 404,
    AlreadyClaimedError: 409,
    NotClaimedError: 409,
    ApiKeyNameTakenError: 409,
    WeakPasswordError: 400,
    InvalidNameError: 400,
    RetryLaterError: 429,
}

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
}


def status_for(error: PrintEdgeError) -> int:
    """The HTTP status that fits a typed error (500 for an error nobody mapped)."""
    for cls in type(error).__mro__:
        status = STATUS_BY_ERROR.get(cls)
        if status is not None:
            return status
    return 500


def error_response(status: int, code: str, message: str) -> web.Response:
    """The one error body of the API: {"error": <code>, "message": <sentence>}."""
    return web.json_response({"error": code, "message": message}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Map typed errors to JSON with a fitting status; anything else is a bug, logged, 500."""
    try:
        return await handler(request)
    except PrintEdgeError as exc:
        status = status_for(exc)
        if status >= 500:
            log.error("%s %s failed: %s", request.method, request.path, exc.message)
        else:
            log.info("%s %s -> %d %s: %s", request.method, request.path, status, exc.code, exc.message)
        response = error_response(status, exc.code, exc.message)
        if isinstance(exc, RetryLaterError):
            response.headers["Retry-After"] = str(exc.retry_after_s)
        return response
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(exc.status, _HTTP_CODES.get(exc.status, "http_error"), _http_message(request, exc))
    except HttpProcessingError as exc:
        # A body aiohttp could not parse (a multipart part header with a NUL, say): the client's mistake.
        log.info("%s %s -> 400 malformed body: %s", request.method, request.path, exc.message)
        return error_response(400, "malformed_body", f"malformed request body: {exc.message}")
    except ConnectionError as exc:
        # The client went away mid-request (an aborted upload); the answer is for the access log.
        log.info("%s %s: client %s went away: %s", request.method, request.path, request.remote, exc)
        return error_response(
            400, "request_incomplete", f"the request to {request.path} ended before its body was complete"
        )
    except Exception:
        log.exception("bug: %s %s raised an unexpected error", request.method, request.path)
        return error_response(
            500,
            "internal_error",
            f"internal error while handling {request.method} {request.path}; the log has the details",
        )


def _http_message(request: web.Request, exc: web.HTTPException) -> str:
    if exc.status == 404:
        return f"no such endpoint: {request.method} {request.path} (see docs/api.md)"
    if isinstance(exc, web.HTTPMethodNotAllowed):
        allowed = ", ".join(sorted(exc.allowed_methods))
        return f"method {request.method} is not allowed on {request.path} (allowed: {allowed})"
    if exc.status == 413:
        return (
            f"request body of {request.content_length} bytes is too large for {request.path} "
            "(JSON bodies are limited to 1 MiB; upload G-code to /api/v1/files)"
        )
    detail = " ".join((exc.text or "").split())
    if not detail or detail == f"{exc.status}: {exc.reason}":
        detail = exc.reason
    return f"{detail} ({request.method} {request.path})"

"""Who may call what: credentials resolved to a caller, CSRF, open reads, CORS and the security headers."""

from __future__ import annotations

import hmac
import ipaddress
import logging
from urllib.parse import urlsplit

from aiohttp import hdrs, web

from edge.auth.errors import (
    AuthenticationRequiredError,
    CredentialError,
    CsrfTokenError,
    CsrfTokenMissingError,
    InvalidApiKeyError,
    OriginNotAllowedError,
)
from edge.control.caller import Caller, CallerKind
from edge.store.accounts import Session
from edge.web.context import AUTH, CALLER, SERVICES, SESSION
from edge.web.errors import Handler

log = logging.getLogger("printedge.auth")

SESSION_COOKIE = "printedge_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Everything under these needs credentials unless listed in PUBLIC; other paths (the panel's files) are open.
# /health itself is public; /health/detailed, /health/components/... and /metrics are reads like /api/v1/status.
PROTECTED_PREFIXES = ("/api/", "/plugin/", "/health/", "/metrics")
# (method, route) anyone may call: they reveal nothing, or check a credential of their own.
PUBLIC = frozenset(
    {
        ("GET", "/health"),
        ("GET", "/api/v1/auth/state"),
        ("POST", "/api/v1/auth/claim"),
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/login"),
        ("GET", "/plugin/appkeys/probe"),
        ("POST", "/plugin/appkeys/request"),
        ("GET", "/plugin/appkeys/request/{app_token}"),
        ("GET", "/api/v1/openapi.json"),
        ("GET", "/api/v1/docs"),
        ("GET", "/api/v1/docs/{asset}"),
    }
)
# The public routes that check a setup code, a password or a token: over the failure limit they are refused.
CREDENTIAL_ROUTES = frozenset(
    {
        ("POST", "/api/v1/auth/claim"),
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/login"),
        ("GET", "/plugin/appkeys/request/{app_token}"),
    }
)
# Reads that stay private when auth.lan_read_only opens status reads to the LAN.
PRIVATE_READS = (
    "/api/v1/auth/",
    "/api/v1/audit",
    "/api/v1/ws",
    "/api/v1/logs",
    "/api/v1/config",
    "/api/v1/printer/console",
)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
CORS_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE"
CORS_HEADERS = "X-Api-Key, Authorization, Content-Type, X-CSRF-Token"
CORS_EXPOSE = "Location, Retry-After"
CORS_MAX_AGE_S = "600"

NEEDS_CREDENTIALS = (
    "needs an API key (X-Api-Key header, or Authorization: Bearer <key>) or a signed-in panel session; "
    "create a key with `printedge auth key create NAME` on the device or in the panel"
)


@web.middleware
async def security_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Resolve the caller; refuse missing or wrong credentials, CSRF-less cookie changes and limited clients."""
    if request.method == "OPTIONS" and hdrs.ACCESS_CONTROL_REQUEST_METHOD in request.headers:
        return _preflight(request)
    auth = request.app[AUTH]
    route = _route(request)
    method = "GET" if request.method == "HEAD" else request.method
    public = (method, route) in PUBLIC or not route.startswith(PROTECTED_PREFIXES)
    try:
        key = api_key_of(request)
        cookie = None if public else request.cookies.get(SESSION_COOKIE)
        if key is not None or cookie or (method, route) in CREDENTIAL_ROUTES:
            auth.limiter.check(request.remote)
        if request.headers.get(hdrs.UPGRADE, "").lower() == "websocket":
            _check_websocket_origin(request)
        if key is not None:
            request[CALLER] = await auth.keys.caller(key)
        elif cookie:
            session = await auth.owner.session(cookie)
            if method not in SAFE_METHODS:
                _check_csrf(request, session)
            request[SESSION] = session
            request[CALLER] = Caller(CallerKind.USER, session.user_name)
        elif not public and not _open_read(request, method, route):
            raise AuthenticationRequiredError(f"{request.method} {request.path} {NEEDS_CREDENTIALS}")
        return await handler(request)
    except CredentialError as exc:
        auth.limiter.fail(request.remote)
        log.warning(
            "authentication failed from %s (%s %s): %s", request.remote, request.method, request.path, exc.message
        )
        raise


def api_key_of(request: web.Request) -> str | None:
    """The key of X-Api-Key or Authorization: Bearer, or None when neither is sent."""
    key = request.headers.get("X-Api-Key")
    if key is not None:
        key = key.strip()
        if not key:
            raise InvalidApiKeyError("the X-Api-Key header is empty; send the API key in it")
    header = request.headers.get(hdrs.AUTHORIZATION)
    if header is None:
        return key
    scheme, _, value = header.strip().partition(" ")
    bearer = value.strip()
    if scheme.lower() != "bearer" or not bearer:
        raise InvalidApiKeyError(
            f"the Authorization header must be 'Bearer <API key>', got scheme {scheme[:20]!r}"
            + ("" if bearer or scheme.lower() != "bearer" else " without a key")
        )
    if key is not None and not hmac.compare_digest(key.encode(), bearer.encode()):
        raise InvalidApiKeyError("X-Api-Key and Authorization: Bearer carry different keys; send one of them")
    return bearer


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: security headers on every response, CORS headers for allowed origins."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith(PROTECTED_PREFIXES) or request.path == "/health":
        response.headers.setdefault(hdrs.CACHE_CONTROL, "no-store")
    if response.status == 401:
        response.headers.setdefault(hdrs.WWW_AUTHENTICATE, 'Bearer realm="PrintEdge"')
    origin = _allowed_origin(request)
    if origin is not None:
        response.headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = origin
        response.headers[hdrs.ACCESS_CONTROL_EXPOSE_HEADERS] = CORS_EXPOSE
        response.headers.add(hdrs.VARY, "Origin")


def _route(request: web.Request) -> str:
    """The matched route's pattern (/api/v1/jobs/{id}), or the path when nothing matched."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else request.path


def _check_csrf(request: web.Request, session: Session) -> None:
    token = request.headers.get(CSRF_HEADER)
    if not token:
        raise CsrfTokenMissingError(
            f"{request.method} {request.path} with the panel's session cookie needs the session's CSRF token in "
            f"the {CSRF_HEADER} header (sign-in and GET /api/v1/auth/session answer it)"
        )
    if not hmac.compare_digest(token.encode(), session.csrf_token.encode()):
        raise CsrfTokenError(
            f"the {CSRF_HEADER} header does not match this session's token; reload the panel or sign in again"
        )


def _open_read(request: web.Request, method: str, route: str) -> bool:
    """auth.lan_read_only: a GET of status from a LAN address needs no credentials."""
    if method != "GET" or not request.app[SERVICES].config.auth.lan_read_only:
        return False
    if route.startswith(PRIVATE_READS) or request.path.startswith(PRIVATE_READS):
        return False
    return _on_lan(request.remote)


def _on_lan(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_private or ip.is_link_local or ip.is_loopback


def _allowed_origin(request: web.Request) -> str | None:
    origin = request.headers.get(hdrs.ORIGIN)
    if origin is None or origin not in request.app[SERVICES].config.api.cors_origins:
        return None
    return origin


def _preflight(request: web.Request) -> web.StreamResponse:
    origin = _allowed_origin(request)
    if origin is None:
        allowed = request.app[SERVICES].config.api.cors_origins
        raise OriginNotAllowedError(
            f"cross-origin requests from {request.headers.get(hdrs.ORIGIN)!r} are not allowed "
            f"(api.cors_origins: {', '.join(allowed) if allowed else 'none, so CORS is off'})"
        )
    return web.Response(
        status=204,
        headers={
            hdrs.ACCESS_CONTROL_ALLOW_METHODS: CORS_METHODS,
            hdrs.ACCESS_CONTROL_ALLOW_HEADERS: CORS_HEADERS,
            hdrs.ACCESS_CONTROL_MAX_AGE: CORS_MAX_AGE_S,
        },
    )


def _check_websocket_origin(request: web.Request) -> None:
    """A browser page of another site must not open the WebSocket with the owner's cookie."""
    origin = request.headers.get(hdrs.ORIGIN)
    if origin is None or urlsplit(origin).netloc == request.host or _allowed_origin(request) is not None:
        return
    raise OriginNotAllowedError(
        f"WebSocket from origin {origin!r} refused: only this device's own pages and api.cors_origins may open it"
    )

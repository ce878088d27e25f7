"""Authentication endpoints of the panel: claim, sign in and out, the session, API keys and app pairing."""

from __future__ import annotations

from aiohttp import web

from edge.auth.errors import AuthenticationRequiredError, CredentialError, PermissionDeniedError
from edge.auth.owner import SignedIn
from edge.control.caller import Caller, CallerKind
from edge.store.accounts import Session
from edge.web.context import auth, caller, json_body, path_id, require_field, session, str_field
from edge.web.security import CSRF_HEADER, SESSION_COOKIE

routes = web.RouteTableDef()


@routes.get("/api/v1/auth/state")
async def get_state(request: web.Request) -> web.Response:
    """Whether the device has an owner yet, the password rule, and whether this browser is signed in (public)."""
    owner = await auth(request).owner_user()
    return web.json_response(
        {
            "claimed": owner is not None,
            "min_password_length": auth(request).config.min_password_length,
            "signed_in": await _signed_in(request),
        }
    )


@routes.post("/api/v1/auth/claim")
async def post_claim(request: web.Request) -> web.Response:
    """Become the owner with the setup code; answers a signed-in session."""
    body = await json_body(request)
    setup_code = str_field(require_field(body, "setup_code"), "setup_code")
    name = str_field(require_field(body, "username"), "username")
    password = _password(body)
    signed_in = await auth(request).owner.claim(setup_code, name, password)
    await auth(request).record(caller_of(signed_in), "claim", f"owner {name!r} from {request.remote}")
    return signed_in_response(request, signed_in, status=201)


@routes.post("/api/v1/auth/login")
async def post_login(request: web.Request) -> web.Response:
    """Sign in with user name and password; sets the session cookie and answers the CSRF token."""
    body = await json_body(request)
    name = str_field(require_field(body, "username"), "username")
    signed_in = await auth(request).owner.login(name, _password(body))
    return signed_in_response(request, signed_in)


@routes.post("/api/v1/auth/logout")
async def post_logout(request: web.Request) -> web.Response:
    """End the panel session and clear its cookie."""
    await auth(request).owner.logout(owner_session(request, "signing out"))
    response = web.Response(status=204)
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@routes.get("/api/v1/auth/session")
async def get_session(request: web.Request) -> web.Response:
    """Who the caller is; for a panel session also its CSRF token and when it ends."""
    who = caller(request)
    current = session(request)
    body: dict[str, object] = {"caller": {"kind": who.kind.value, "name": who.name}}
    if current is not None:
        body |= {"csrf_token": current.csrf_token, "expires_at": current.expires_at, "csrf_header": CSRF_HEADER}
    return web.json_response(body)


@routes.get("/api/v1/auth/keys")
async def list_keys(request: web.Request) -> web.Response:
    """The API keys by name (never the keys themselves); ?revoked=true lists revoked ones too."""
    owner_session(request, "listing API keys")
    include = request.query.get("revoked", "false").lower() in ("1", "true", "yes")
    keys = await auth(request).keys.list(include_revoked=include)
    return web.json_response([key.to_dict() for key in keys])


@routes.post("/api/v1/auth/keys")
async def post_key(request: web.Request) -> web.Response:
    """Create a named API key; the answer is the only time the key is shown."""
    owner_session(request, "creating API keys")
    name = str_field(require_field(await json_body(request), "name"), "name")
    key, record = await auth(request).keys.create(name, caller(request))
    await auth(request).record(caller(request), "api_key_create", record.name)
    return web.json_response(record.to_dict() | {"key": key}, status=201)


@routes.delete("/api/v1/auth/keys/{name}")
async def delete_key(request: web.Request) -> web.Response:
    """Revoke an API key by name; it stops working at once."""
    owner_session(request, "revoking API keys")
    record = await auth(request).keys.revoke(request.match_info["name"])
    await auth(request).record(caller(request), "api_key_revoke", record.name)
    return web.json_response(record.to_dict())


@routes.get("/api/v1/auth/pairing")
async def list_pairing(request: web.Request) -> web.Response:
    """Apps waiting for the owner to approve their pairing request."""
    owner_session(request, "listing pairing requests")
    return web.json_response([item.to_dict() for item in await auth(request).pairing.waiting()])


@routes.post("/api/v1/auth/pairing/{id}/approve")
async def approve_pairing(request: web.Request) -> web.Response:
    """Approve an app: its next poll collects a new API key named after it."""
    return await _decide(request, approve=True)


@routes.post("/api/v1/auth/pairing/{id}/deny")
async def deny_pairing(request: web.Request) -> web.Response:
    """Deny an app: its polls answer 404 from now on."""
    return await _decide(request, approve=False)


def owner_session(request: web.Request, doing: str) -> Session:
    """The owner's panel session, or a 401/403 saying that only the owner's session may do this."""
    current = session(request)
    if current is not None:
        return current
    if caller(request).kind is CallerKind.API_KEY:
        raise PermissionDeniedError(
            f"{doing} needs the owner's panel session; API keys cannot manage keys or pairing "
            "(sign in, or use `printedge auth` on the device)"
        )
    raise AuthenticationRequiredError(f"{doing} needs the owner's panel session; sign in first")


def signed_in_response(request: web.Request, signed_in: SignedIn, status: int = 200) -> web.Response:
    """The new session's details, with its cookie: HttpOnly, SameSite=Strict, expiring with the session."""
    session = signed_in.session
    response = web.json_response(
        {
            "user": signed_in.user.to_dict(),
            "csrf_token": session.csrf_token,
            "csrf_header": CSRF_HEADER,
            "expires_at": session.expires_at,
        },
        status=status,
    )
    set_session_cookie(request, response, signed_in)
    return response


def set_session_cookie(request: web.Request, response: web.StreamResponse, signed_in: SignedIn) -> None:
    """Attach the session cookie to a response."""
    session = signed_in.session
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.token,
        max_age=max(1, int(session.expires_at - session.created_at)),
        path="/",
        httponly=True,
        samesite="Strict",
        secure=request.secure,
    )


def caller_of(signed_in: SignedIn) -> Caller:
    """The caller a new session stands for."""
    return Caller(CallerKind.USER, signed_in.user.name)


async def _signed_in(request: web.Request) -> bool:
    """Whether the request carries a live session cookie (the panel cannot read its HttpOnly cookie itself)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return False
    try:
        await auth(request).owner.session(cookie)
    except CredentialError:
        return False
    return True


def _password(body: dict[str, object]) -> str:
    value = require_field(body, "password")
    if isinstance(value, str):
        return value  # an empty or short one is refused by the password rule, with its length
    return str_field(value, "password")


async def _decide(request: web.Request, *, approve: bool) -> web.Response:
    owner_session(request, "approving or denying pairing requests")
    request_id = path_id(request, "pairing request")
    decided = await auth(request).pairing.decide(str(request_id), approve, str(caller(request)))
    await auth(request).record(caller(request), "pairing_approve" if approve else "pairing_deny", decided.app)
    return web.json_response(decided.to_dict())

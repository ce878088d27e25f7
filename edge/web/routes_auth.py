"""Authentication endpoints of the panel: claim, sign in and out, the session, API keys and app pairing."""

from __future__ import annotations

from aiohttp import web

from edge.auth.errors import AuthenticationRequiredError, CredentialError, PermissionDeniedError
from edge.auth.owner import SignedIn
from edge.control.caller import Caller, CallerKind
from edge.store.accounts import Session
from edge.store.pairing import PairingRequest
from edge.web.context import auth, caller, session
from edge.web.models.auth import (
    ApiKeyView,
    AuthState,
    ClaimRequest,
    KeyPath,
    KeySecret,
    KeysQuery,
    LoginRequest,
    NewKey,
    SessionInfo,
)
from edge.web.models.auth import SignedIn as SignedInView
from edge.web.models.common import IdPath
from edge.web.schema import Access, AllOf, ApiRoutes, read_body, read_path, read_query, reply
from edge.web.security import CSRF_HEADER, SESSION_COOKIE

api = ApiRoutes("auth")
routes = api.routes

_OWNER = Access.OWNER_SESSION
_NAME = "a name that is not 1-32 letters, digits, `.`, `_`, `-` (`invalid_name`)"


@api.get("/api/v1/auth/state", access=Access.PUBLIC, responses={200: AuthState})
async def get_state(request: web.Request) -> web.Response:
    """Whether the device has an owner yet, the password rule, and whether this browser is signed in (public)."""
    owner = await auth(request).owner_user()
    return reply(
        request,
        {
            "claimed": owner is not None,
            "min_password_length": auth(request).config.min_password_length,
            "signed_in": await _signed_in(request),
        },
    )


@api.post(
    "/api/v1/auth/claim",
    access=Access.PUBLIC,
    body=ClaimRequest,
    responses={201: SignedInView},
    errors={
        400: f"a password shorter than auth.min_password_length (`password_too_short`); {_NAME}",
        403: "a wrong setup code (`setup_code_invalid`)",
        409: "the device has an owner already (`already_claimed`)",
    },
)
async def post_claim(request: web.Request) -> web.Response:
    """Become the owner with the setup code; answers a signed-in session and sets its cookie."""
    body = await read_body(request, ClaimRequest)
    signed_in = await auth(request).owner.claim(body.setup_code, body.username, body.password)
    await auth(request).record(caller_of(signed_in), "claim", f"owner {body.username!r} from {request.remote}")
    return signed_in_response(request, signed_in, status=201)


@api.post(
    "/api/v1/auth/login",
    access=Access.PUBLIC,
    body=LoginRequest,
    responses={200: SignedInView},
    errors={
        401: "a wrong user name or password (`login_failed`)",
        409: "the device has no owner yet (`not_claimed`)",
    },
)
async def post_login(request: web.Request) -> web.Response:
    """Sign in with user name and password; sets the session cookie and answers the CSRF token."""
    body = await read_body(request, LoginRequest)
    signed_in = await auth(request).owner.login(body.username, body.password)
    return signed_in_response(request, signed_in)


@api.post("/api/v1/auth/logout", access=_OWNER, responses={204: None})
async def post_logout(request: web.Request) -> web.Response:
    """End the panel session and clear its cookie."""
    await auth(request).owner.logout(owner_session(request, "signing out"))
    response = web.Response(status=204)
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@api.get("/api/v1/auth/session", responses={200: SessionInfo})
async def get_session(request: web.Request) -> web.Response:
    """Who the caller is; for a panel session also its CSRF token and when it ends."""
    who = caller(request)
    current = session(request)
    body: dict[str, object] = {"caller": {"kind": who.kind.value, "name": who.name}}
    if current is not None:
        body |= {"csrf_token": current.csrf_token, "expires_at": current.expires_at, "csrf_header": CSRF_HEADER}
    return reply(request, body)


@api.get("/api/v1/auth/keys", access=_OWNER, query=KeysQuery, responses={200: list[ApiKeyView]})
async def list_keys(request: web.Request) -> web.Response:
    """The API keys by name (never the keys themselves); ?revoked=true lists revoked ones too."""
    owner_session(request, "listing API keys")
    include = read_query(request, KeysQuery).revoked
    keys = await auth(request).keys.list(include_revoked=include)
    return reply(request, [key.to_dict() for key in keys])


@api.post(
    "/api/v1/auth/keys",
    access=_OWNER,
    body=NewKey,
    responses={201: AllOf(ApiKeyView, KeySecret)},
    errors={400: _NAME, 409: "a key of that name exists (`api_key_name_taken`)"},
)
async def post_key(request: web.Request) -> web.Response:
    """Create a named API key; the answer is the only time the key is shown."""
    owner_session(request, "creating API keys")
    name = (await read_body(request, NewKey)).name
    key, record = await auth(request).keys.create(name, caller(request))
    await auth(request).record(caller(request), "api_key_create", record.name)
    return reply(request, record.to_dict() | {"key": key}, status=201)


@api.delete(
    "/api/v1/auth/keys/{name}",
    access=_OWNER,
    path_params=KeyPath,
    responses={200: ApiKeyView},
    errors={404: "no working key has this name (`api_key_not_found`)"},
)
async def delete_key(request: web.Request) -> web.Response:
    """Revoke an API key by name; it stops working at once."""
    owner_session(request, "revoking API keys")
    record = await auth(request).keys.revoke(read_path(request, KeyPath).name)
    await auth(request).record(caller(request), "api_key_revoke", record.name)
    return reply(request, record.to_dict())


@api.get("/api/v1/auth/pairing", access=_OWNER, responses={200: list[PairingRequest]})
async def list_pairing(request: web.Request) -> web.Response:
    """Apps waiting for the owner to approve their pairing request."""
    owner_session(request, "listing pairing requests")
    return reply(request, [item.to_dict() for item in await auth(request).pairing.waiting()])


_PAIRING_GONE = "no pairing request has this id, or it was denied, expired or collected (`pairing_request_not_found`)"


@api.post(
    "/api/v1/auth/pairing/{id}/approve",
    access=_OWNER,
    path_params=IdPath,
    responses={200: PairingRequest},
    errors={404: _PAIRING_GONE},
)
async def approve_pairing(request: web.Request) -> web.Response:
    """Approve an app: its next poll collects a new API key named after it."""
    return await _decide(request, approve=True)


@api.post(
    "/api/v1/auth/pairing/{id}/deny",
    access=_OWNER,
    path_params=IdPath,
    responses={200: PairingRequest},
    errors={404: _PAIRING_GONE},
)
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
    response = reply(
        request,
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


async def _decide(request: web.Request, *, approve: bool) -> web.Response:
    owner_session(request, "approving or denying pairing requests")
    request_id = read_path(request, IdPath).id
    decided = await auth(request).pairing.decide(str(request_id), approve, str(caller(request)))
    await auth(request).record(caller(request), "pairing_approve" if approve else "pairing_deny", decided.app)
    return reply(request, decided.to_dict())

"""OctoPrint's login endpoints: passive login with an API key (how apps check a key) and the current user."""

from __future__ import annotations

from aiohttp import web

from edge.auth.errors import PermissionDeniedError
from edge.control.caller import Caller, CallerKind
from edge.web.context import auth, caller, optional_json_body, require_field, str_field
from edge.web.routes_auth import set_session_cookie

routes = web.RouteTableDef()

OWNER_PERMISSIONS = [
    "ADMIN",
    "STATUS",
    "CONNECTION",
    "FILES_LIST",
    "FILES_UPLOAD",
    "FILES_DOWNLOAD",
    "FILES_DELETE",
    "FILES_SELECT",
    "PRINT",
    "CONTROL",
    "MONITOR_TERMINAL",
    "SETTINGS_READ",
]
GUEST_PERMISSIONS = ["STATUS", "FILES_LIST"]


@routes.post("/api/login")
async def post_login(request: web.Request) -> web.Response:
    """{"passive": true} answers the user the API key belongs to; {"user", "pass"} signs in a session."""
    body = await optional_json_body(request)
    if body.get("passive") is True or not body:
        who = caller(request)
        if who.kind is CallerKind.ANONYMOUS:
            raise PermissionDeniedError(
                "passive login needs a valid API key (X-Api-Key header, or Authorization: Bearer <key>)"
            )
        return web.json_response(await _user_object(request, who))
    name = str_field(require_field(body, "user"), "user")
    password = require_field(body, "pass")
    signed_in = await auth(request).owner.login(name, password if isinstance(password, str) else "")
    response = web.json_response(
        await _user_object(request, Caller(CallerKind.USER, signed_in.user.name))
        | {"session": None, "_csrf_token": signed_in.session.csrf_token}
    )
    set_session_cookie(request, response, signed_in)
    return response


@routes.get("/api/currentuser")
async def get_current_user(request: web.Request) -> web.Response:
    """The caller as OctoPrint describes users: name, permissions and groups."""
    who = caller(request)
    if who.kind is CallerKind.ANONYMOUS:
        return web.json_response({"name": None, "permissions": GUEST_PERMISSIONS, "groups": ["guests"]})
    user = await _user_object(request, who)
    return web.json_response({"name": user["name"], "permissions": user["permissions"], "groups": user["groups"]})


async def _user_object(request: web.Request, who: Caller) -> dict[str, object]:
    owner = await auth(request).owner_user()
    # API keys belong to the owner, as an OctoPrint application key belongs to its user.
    name = owner.name if owner is not None else who.name
    return {
        "name": name,
        "active": True,
        "admin": True,
        "user": True,
        "apikey": None,
        "groups": ["admins", "users"],
        "permissions": OWNER_PERMISSIONS,
        "needs": {"group": ["admins", "users"], "role": [p.lower() for p in OWNER_PERMISSIONS]},
        "roles": ["admin", "user"],
        "session": None,
        "_is_external_client": False,
        "_login_mechanism": "apikey" if who.kind is CallerKind.API_KEY else "password",
    }

"""`printedge auth ...`: the setup code, API keys and app pairing, straight on the data directory's database."""

from __future__ import annotations

import argparse
import asyncio
import getpass
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from edge.auth.service import Authenticator
from edge.auth.setup_code import ensure_setup_code
from edge.config.loader import load_config
from edge.config.schema import AppConfig
from edge.control.caller import Caller, CallerKind
from edge.store.audit import AuditLog
from edge.store.db import Database


def add_auth_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `printedge auth ...`."""
    auth = sub.add_parser("auth", help="claiming, API keys and app pairing (run on the device)")
    auth_sub = auth.add_subparsers(dest="auth_command", required=True)

    code = auth_sub.add_parser("setup-code", help="print the one-time code that claims an unclaimed device")
    code.set_defaults(handler=_run(_setup_code))

    key = auth_sub.add_parser("key", help="create, list or revoke API keys")
    key_sub = key.add_subparsers(dest="key_command", required=True)
    create = key_sub.add_parser("create", help="create a named API key and print it (shown only this once)")
    create.add_argument("name")
    create.set_defaults(handler=_run(_key_create))
    listing = key_sub.add_parser("list", help="list API keys with their last use")
    listing.add_argument("--revoked", action="store_true", help="list revoked keys too")
    listing.set_defaults(handler=_run(_key_list))
    revoke = key_sub.add_parser("revoke", help="revoke an API key by name; it stops working at once")
    revoke.add_argument("name")
    revoke.set_defaults(handler=_run(_key_revoke))

    requests = auth_sub.add_parser("requests", help="list apps waiting for pairing approval")
    requests.set_defaults(handler=_run(_requests))
    approve = auth_sub.add_parser("approve", help="approve an app's pairing request (by id, app name or token)")
    approve.add_argument("request", metavar="APP_OR_TOKEN")
    approve.set_defaults(handler=_run(_approve))
    deny = auth_sub.add_parser("deny", help="deny an app's pairing request (by id, app name or token)")
    deny.add_argument("request", metavar="APP_OR_TOKEN")
    deny.set_defaults(handler=_run(_deny))

    reset = auth_sub.add_parser("reset-owner", help="delete the owner and every session; prints a new setup code")
    reset.add_argument("--yes", action="store_true", help="really do it")
    reset.set_defaults(handler=_run(_reset_owner))

    for parser in (code, create, listing, revoke, requests, approve, deny, reset):
        parser.add_argument("--config", type=Path, help="YAML file overriding config/default.yaml")


Action = Callable[[Authenticator, argparse.Namespace], Awaitable[int]]


def _run(action: Action) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        config = load_config(args.config)
        return asyncio.run(_with_auth(config, Path(config.device.data_dir).expanduser(), action, args))

    return handler


async def _with_auth(config: AppConfig, data_dir: Path, action: Action, args: argparse.Namespace) -> int:
    db = Database(data_dir / "printedge.db")
    await db.open()
    try:
        audit = AuditLog(db, config.audit.max_age_days * 86400.0, config.audit.max_entries)
        return await action(Authenticator(db, config.auth, data_dir, audit=audit), args)
    finally:
        await db.close()


def _caller() -> Caller:
    return Caller(CallerKind.CLI, getpass.getuser())


async def _setup_code(auth: Authenticator, args: argparse.Namespace) -> int:
    owner = await auth.owner_user()
    if owner is not None:
        print(f"this device is claimed already (owner {owner.name!r}); `printedge auth reset-owner` starts over")
        return 1
    print(await ensure_setup_code(auth.data_dir))
    return 0


async def _key_create(auth: Authenticator, args: argparse.Namespace) -> int:
    key, record = await auth.keys.create(args.name, _caller())
    await auth.record(_caller(), "api_key_create", record.name)
    print(key)
    print(f"API key {record.name!r} created; it is shown only now. Send it as X-Api-Key or Authorization: Bearer.")
    return 0


async def _key_list(auth: Authenticator, args: argparse.Namespace) -> int:
    keys = await auth.keys.list(include_revoked=args.revoked)
    if not keys:
        print("no API keys")
    for key in keys:
        state = f"revoked {_when(key.revoked_at)}" if key.revoked_at is not None else "active"
        print(
            f"{key.name}\t{key.prefix}...\t{state}\tcreated {_when(key.created_at)} by {key.created_by}\t"
            f"last used {_when(key.last_used_at)}"
        )
    return 0


async def _key_revoke(auth: Authenticator, args: argparse.Namespace) -> int:
    record = await auth.keys.revoke(args.name)
    await auth.record(_caller(), "api_key_revoke", record.name)
    print(f"API key {record.name!r} revoked")
    return 0


async def _requests(auth: Authenticator, args: argparse.Namespace) -> int:
    waiting = await auth.pairing.waiting()
    if not waiting:
        print("no app is waiting for pairing")
    for request in waiting:
        print(f"{request.id}\t{request.app}\tasked {_when(request.created_at)}\texpires {_when(request.expires_at)}")
    return 0


async def _approve(auth: Authenticator, args: argparse.Namespace) -> int:
    decided = await auth.pairing.decide(args.request, True, str(_caller()))
    await auth.record(_caller(), "pairing_approve", decided.app)
    print(f"pairing request {decided.id} of {decided.app!r} approved; the app collects its key on its next poll")
    return 0


async def _deny(auth: Authenticator, args: argparse.Namespace) -> int:
    decided = await auth.pairing.decide(args.request, False, str(_caller()))
    await auth.record(_caller(), "pairing_deny", decided.app)
    print(f"pairing request {decided.id} of {decided.app!r} denied")
    return 0


async def _reset_owner(auth: Authenticator, args: argparse.Namespace) -> int:
    if not args.yes:
        print("this deletes the owner and signs out every panel session (API keys keep working); add --yes")
        return 2
    removed = await auth.accounts.remove_owner()
    await auth.record(_caller(), "reset_owner", f"{removed} user(s) removed")
    code = await ensure_setup_code(auth.data_dir)
    print(f"owner removed; claim the device again with setup code {code}")
    return 0


def _when(at: float | None) -> str:
    if at is None:
        return "never"
    return datetime.fromtimestamp(at, tz=UTC).isoformat(timespec="seconds")

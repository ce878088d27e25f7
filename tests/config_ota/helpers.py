"""Helpers for the OTA config tests: signed documents, appliances built as `printedge run` builds them, snapshots."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from edge.app import Appliance
from edge.config.loader import load_layers
from edge.config.ota_document import SCHEMA, content_hash
from edge.printer.link import LinkState
from edge.telemetry.signing import OperatorKey
from tests.web.conftest import appliance_env, no_blocking_in_edge


def document(
    version: int,
    content: dict[str, Any],
    *,
    device: str = "*",
    kind: str = "full",
    overrides: dict[str, Any] | None = None,
    base_version: int | None = None,
) -> dict[str, Any]:
    """An unsigned document with its hash."""
    doc: dict[str, Any] = {"schema": SCHEMA, "version": version, "device": device, "kind": kind, "content": content}
    if overrides is not None:
        doc["overrides"] = overrides
    if base_version is not None:
        doc["base_version"] = base_version
    doc["sha256"] = content_hash(content, overrides or {})
    return doc


def signed(key: OperatorKey, version: int, content: dict[str, Any], **fields: Any) -> bytes:
    """A document signed by key, as bytes on the wire."""
    import json

    return json.dumps(key.sign(document(version, content, **fields))).encode()


def trusting(key: OperatorKey, **more: str) -> dict[str, str]:
    """Overrides that pin the operator key."""
    return {"fleet__trusted_keys": f'["{key.trusted_line()}"]', **more}


async def start_appliance(data_dir: Path, **overrides: str) -> Appliance:
    """An appliance built from layers (file, overlay, environment) as `printedge run` builds it, printer ready."""
    layers = load_layers(env=appliance_env(data_dir, **overrides))
    app = Appliance(layers.boot(), layers)
    await app.start()
    for _ in range(200):
        if app.services.link.state is LinkState.READY:
            break
        await asyncio.sleep(0.05)
    return app


@contextlib.asynccontextmanager
async def ota_appliance(data_dir: Path, **overrides: str) -> AsyncIterator[Appliance]:
    """A started appliance; no blocking call allowed in edge code; stopped afterwards."""
    app = await start_appliance(data_dir, **overrides)
    try:
        with no_blocking_in_edge():
            yield app
    finally:
        await app.stop()


def snapshot(data_dir: Path) -> dict[str, bytes]:
    """Every file of the OTA config folder and its bytes."""
    folder = data_dir / "config"
    if not folder.exists():
        return {}
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def device_id(app: Appliance) -> str:
    """The appliance's device id."""
    assert app.identity is not None
    return app.identity.id

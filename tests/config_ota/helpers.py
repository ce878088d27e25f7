"""Helpers for the OTA config tests: signed documents, appliances built as `printedge run` builds them, snapshots."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import yaml

from edge.app import Appliance
from edge.config.loader import load_layers
from edge.config.ota_document import SCHEMA, content_hash
from edge.printer.link import LinkState
from edge.telemetry.signing import OperatorKey
from tests.telemetry.broker import Subscriber
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


async def start_appliance(data_dir: Path, file: dict[str, Any] | None = None, **overrides: str) -> Appliance:
    """An appliance built from layers (file, overlay, environment) as `printedge run` builds it, printer ready."""
    path = None
    if file is not None:
        path = data_dir.parent / f"{data_dir.name}.yaml"
        path.write_text(yaml.safe_dump(file))
    env = appliance_env(data_dir, **overrides)
    for section, values in (file or {}).items():
        for name in values if isinstance(values, dict) else ():
            env.pop(f"PRINTEDGE_{section.upper()}__{name.upper()}", None)  # the file's settings, not the test's
    layers = load_layers(path, env=env)
    app = Appliance(layers.boot(starting=True), layers)
    await app.start()
    for _ in range(200):
        if app.services.link.state is LinkState.READY:
            break
        await asyncio.sleep(0.05)
    return app


@contextlib.asynccontextmanager
async def ota_appliance(
    data_dir: Path, file: dict[str, Any] | None = None, **overrides: str
) -> AsyncIterator[Appliance]:
    """A started appliance; no blocking call allowed in edge code; stopped afterwards."""
    app = await start_appliance(data_dir, file, **overrides)
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


def mqtt_file(url: str) -> dict[str, Any]:
    """A user config file naming the broker, with fast intervals (a file: an OTA overlay may override it)."""
    return {
        "mqtt": {
            "url": url,
            "telemetry_interval_s": 0.5,
            "reconnect_min_backoff_s": 0.2,
            "reconnect_max_backoff_s": 1,
            "connect_timeout_s": 2,
        }
    }


def push(url: str, document: bytes, *, device: str | None = None) -> None:
    """`printedge config push` of a signed document file (blocking: run it in a thread)."""
    import tempfile

    from edge.cli import main

    with tempfile.NamedTemporaryFile("wb", suffix=".json") as handle:
        handle.write(document)
        handle.flush()
        target = ["--device", device] if device else ["--fleet"]
        assert main(["config", "push", handle.name, *target, "--broker", url]) == 0


def reported(sub: Subscriber, device: str) -> Any:
    """The newest config/reported payload of a device."""
    found = [m for m in sub.messages if m.topic == f"printedge/{device}/config/reported"]
    return found[-1].json() if found else None

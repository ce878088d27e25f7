"""The device's identity: an id made once and kept in <data_dir>/device-id, with the configured name."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from edge.core.errors import DeviceIdentityError
from edge.store.upload import fsync_directory

ID_FILE = "device-id"
ID_PREFIX = "pe-"
# What a provisioned id may look like too: safe in MQTT topics, mDNS TXT records and file names.
VALID_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{2,63}")


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    """Who this device is: its persistent id and its configured name."""

    id: str
    name: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"id": self.id, "name": self.name}


def new_device_id() -> str:
    """A fresh, short, readable id such as 'pe-3f9a0c1b7d2e'."""
    return ID_PREFIX + secrets.token_hex(6)


async def load_identity(data_dir: Path, name: str) -> DeviceIdentity:
    """The device's identity; the id is created on first use and never silently replaced."""
    device_id = await asyncio.to_thread(_read_or_create, data_dir / ID_FILE)
    return DeviceIdentity(id=device_id, name=name)


def _read_or_create(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return _create(path)
    except OSError as exc:
        raise DeviceIdentityError(
            str(path), f"cannot be read ({exc.strerror or exc})", "check that it is a file this user may read"
        ) from exc
    return _parse(path, raw)


def _parse(path: Path, raw: bytes) -> str:
    text = raw.decode("ascii", "replace").strip()
    if not text:
        raise DeviceIdentityError(str(path), "is empty")
    if not VALID_ID.fullmatch(text):
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise DeviceIdentityError(
            str(path), f"is corrupted (got {shown!r}; expected 3 to 64 letters, digits, '-' or '_')"
        )
    return text


def _create(path: Path) -> str:
    """Write a new id: temporary file, fsync, rename, fsync the directory (the instance lock keeps this single)."""
    device_id = new_device_id()
    temp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with temp.open("wb") as handle:
            handle.write(f"{device_id}\n".encode())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
        fsync_directory(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)
        raise DeviceIdentityError(
            str(path),
            f"cannot be written ({exc.strerror or exc})",
            "check that the data directory is writable and has free space",
        ) from exc
    return device_id

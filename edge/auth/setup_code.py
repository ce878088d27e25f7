"""The one-time setup code in <data_dir>/setup-code: whoever can read it has access to the device itself."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

from edge.auth.tokens import new_setup_code
from edge.core.errors import StoreError

SETUP_CODE_FILE = "setup-code"


def setup_code_path(data_dir: Path) -> Path:
    """Where the setup code of a data directory lives."""
    return data_dir / SETUP_CODE_FILE


async def ensure_setup_code(data_dir: Path) -> str:
    """The setup code, created (readable by this user only) when there is none yet."""
    return await asyncio.to_thread(_read_or_create, setup_code_path(data_dir))


async def read_setup_code(data_dir: Path) -> str | None:
    """The setup code, or None when there is none (the device is claimed, or has never run)."""
    return await asyncio.to_thread(read_setup_code_now, data_dir)


def read_setup_code_now(data_dir: Path) -> str | None:
    """The setup code, read right away (for the CLI)."""
    try:
        text = setup_code_path(data_dir).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(f"setup code file {setup_code_path(data_dir)} cannot be read: {exc}") from exc
    return text or None


async def remove_setup_code(data_dir: Path) -> None:
    """Delete the setup code once the device is claimed: it must never work twice."""
    await asyncio.to_thread(setup_code_path(data_dir).unlink, missing_ok=True)


def _read_or_create(path: Path) -> str:
    existing = read_setup_code_now(path.parent)
    if existing is not None:
        return existing
    code = new_setup_code()
    temp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(code + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)
        raise StoreError(
            f"setup code file {path} cannot be written ({exc.strerror or exc}); check that the data directory "
            "is writable"
        ) from exc
    return code

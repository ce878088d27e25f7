"""The applied overlay, its last-known-good copy and state.json in <data_dir>/config; blocking, written atomically.

A trial (a new overlay written but not yet committed) is recorded in state.json before applied.yaml is
replaced; a start that finds a trial falls back to last-known-good, so a crash at any step leaves the
old config or the committed new one, never a mix.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from edge.core.errors import ConfigError

DIE_AT_ENV = "PRINTEDGE_TEST_DIE_AT"
DIE_EXIT_CODE = 75


def die_at(step: str) -> None:
    """Test-only: end the process abruptly at the named step (PRINTEDGE_TEST_DIE_AT=<step>)."""
    if os.environ.get(DIE_AT_ENV) == step:
        os._exit(DIE_EXIT_CODE)


def atomic_write(path: Path, data: bytes) -> None:
    """Write a temporary file, fsync it, rename it over path, fsync the directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(kw_only=True)
class OverlayState:
    """What state.json records: the committed version, a trial in progress, the last report."""

    version: int = 0
    sha256: str = ""
    trial: dict[str, Any] | None = None  # {"version", "sha256", "at"} while a new overlay is being tried
    report: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> bytes:
        """The file's bytes."""
        body = {"version": self.version, "sha256": self.sha256, "trial": self.trial, "report": self.report}
        return json.dumps(body | self.extra, indent=1, sort_keys=True).encode()


class OverlayFiles:
    """applied.yaml, last-known-good.yaml and state.json under <data_dir>/config."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / "config"
        self.applied = self.folder / "applied.yaml"
        self.lkg = self.folder / "last-known-good.yaml"
        self.state_file = self.folder / "state.json"

    def read_state(self) -> OverlayState:
        """The recorded state (a missing or broken file reads as version 0)."""
        try:
            raw = json.loads(self.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return OverlayState()
        if not isinstance(raw, dict):
            return OverlayState()
        version = raw.get("version")
        return OverlayState(
            version=version if isinstance(version, int) else 0,
            sha256=str(raw.get("sha256") or ""),
            trial=raw.get("trial") if isinstance(raw.get("trial"), dict) else None,
            report=raw.get("report") if isinstance(raw.get("report"), dict) else None,
        )

    def read_overlay(self, path: Path) -> dict[str, Any]:
        """An overlay file as a mapping ({} when absent)."""
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ConfigError(str(path), str(path), f"cannot be read: {exc}") from None
        if loaded is None:
            return {}
        if not isinstance(loaded, dict):
            raise ConfigError(str(path), loaded, "the top level must be a mapping of sections")
        return loaded

    def boot_overlay(self) -> dict[str, Any]:
        """The overlay a start uses: last-known-good while a trial was never committed, else applied.yaml."""
        if self.read_state().trial is not None:
            return self.read_overlay(self.lkg)
        return self.read_overlay(self.applied)

    def begin(self, overlay: dict[str, Any], version: int, sha256: str) -> OverlayState:
        """Keep the running overlay as last-known-good, record the trial, then write the new overlay."""
        state = self.read_state()
        atomic_write(self.lkg, _yaml(self.read_overlay(self.applied)))
        die_at("lkg_written")
        state.trial = {"version": version, "sha256": sha256, "at": time.time()}
        atomic_write(self.state_file, state.to_json())
        die_at("trial_recorded")
        atomic_write(self.applied, _yaml(overlay))
        die_at("applied_written")
        return state

    def commit(self, version: int, sha256: str, report: dict[str, Any]) -> None:
        """The trial is good: it becomes the applied version."""
        atomic_write(self.state_file, OverlayState(version=version, sha256=sha256, report=report).to_json())

    def rollback(self, report: dict[str, Any]) -> None:
        """Put last-known-good back as applied.yaml and forget the trial."""
        state = self.read_state()
        atomic_write(self.applied, _yaml(self.read_overlay(self.lkg)))
        atomic_write(self.state_file, OverlayState(version=state.version, sha256=state.sha256, report=report).to_json())

    def save_report(self, report: dict[str, Any]) -> None:
        """Remember the last report (pending, rejected) without changing what is applied."""
        state = self.read_state()
        state.report = report
        atomic_write(self.state_file, state.to_json())


def _yaml(overlay: dict[str, Any]) -> bytes:
    return yaml.safe_dump(overlay, sort_keys=True).encode()

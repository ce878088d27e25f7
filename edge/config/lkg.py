"""The applied overlay, its last-known-good copy and state.json in <data_dir>/config; blocking, written atomically.

A trial (a new overlay written but not yet committed) is recorded in state.json before applied.yaml is
replaced; a start that finds a trial falls back to last-known-good, so a crash at any step leaves the
old config or the committed new one, never a mix. A committed version is proven by the first start that
completes with it; one that fails to start MAX_BOOT_ATTEMPTS times is replaced by last-known-good.
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
# Starts of a committed, unproven version that may fail (a power cut is one) before last-known-good replaces it.
MAX_BOOT_ATTEMPTS = 2


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
    lkg: dict[str, Any] | None = None  # {"version", "sha256"} of last-known-good.yaml
    proven: bool = True  # False from a commit until a start with that version completes
    boot_attempts: int = 0  # starts of the unproven version that began
    failed: dict[str, Any] | None = None  # {"version", "sha256"} of a version that could not start
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> bytes:
        """The file's bytes."""
        body = {
            "version": self.version,
            "sha256": self.sha256,
            "trial": self.trial,
            "report": self.report,
            "lkg": self.lkg,
            "proven": self.proven,
            "boot_attempts": self.boot_attempts,
            "failed": self.failed,
        }
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
        version, attempts = raw.get("version"), raw.get("boot_attempts")
        return OverlayState(
            version=version if isinstance(version, int) else 0,
            sha256=str(raw.get("sha256") or ""),
            trial=_mapping(raw.get("trial")),
            report=_mapping(raw.get("report")),
            lkg=_mapping(raw.get("lkg")),
            proven=raw.get("proven") is not False,
            boot_attempts=attempts if isinstance(attempts, int) else 0,
            failed=_mapping(raw.get("failed")),
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

    def claim_start(self) -> dict[str, Any]:
        """The overlay `printedge run` starts with; counts a start of an unproven version, or gives it up."""
        state = self.read_state()
        if state.trial is not None or state.proven:
            return self.boot_overlay()
        if state.boot_attempts >= MAX_BOOT_ATTEMPTS:
            self.give_up(f"{state.boot_attempts} starts with it did not complete")
            return self.read_overlay(self.applied)
        state.boot_attempts += 1
        atomic_write(self.state_file, state.to_json())
        return self.read_overlay(self.applied)

    def proven(self) -> None:
        """A start with the committed version completed: it is the one to keep."""
        state = self.read_state()
        if not state.proven:
            state.proven, state.boot_attempts = True, 0
            atomic_write(self.state_file, state.to_json())

    def give_up(self, why: str) -> None:
        """The committed version cannot start: last-known-good becomes applied again, and the report says why."""
        state = self.read_state()
        lkg = state.lkg or {}
        version, lkg_proven = int(lkg.get("version") or 0), lkg.get("proven") is not False
        report = {
            "version": version,
            "status": "rolled_back",
            "message": f"version {state.version} rolled back to version {version}: {why}",
            "desired": state.version,
            "reason": "start_failed",
            "at": time.time(),
        }
        atomic_write(self.applied, _yaml(self.read_overlay(self.lkg)))
        after = OverlayState(
            version=version,
            sha256=str(lkg.get("sha256") or ""),
            report=report,
            failed={"version": state.version, "sha256": state.sha256, "report": report, "audited": False},
            proven=lkg_proven,
        )
        if not lkg_proven:
            # Last-known-good never completed a start either: if it fails too, start without any overlay.
            atomic_write(self.lkg, _yaml({}))
            after.lkg = {"version": 0, "sha256": "", "proven": True}
        atomic_write(self.state_file, after.to_json())

    def given_up_audited(self) -> None:
        """The audit log has the version given up at start."""
        state = self.read_state()
        if state.failed is not None:
            state.failed["audited"] = True
            atomic_write(self.state_file, state.to_json())

    def begin(self, overlay: dict[str, Any], version: int, sha256: str) -> OverlayState:
        """Keep the running overlay as last-known-good, record the trial, then write the new overlay."""
        state = self.read_state()
        atomic_write(self.lkg, _yaml(self.read_overlay(self.applied)))
        die_at("lkg_written")
        state.trial = {"version": version, "sha256": sha256, "at": time.time()}
        state.lkg = {"version": state.version, "sha256": state.sha256, "proven": state.proven}
        atomic_write(self.state_file, state.to_json())
        die_at("trial_recorded")
        atomic_write(self.applied, _yaml(overlay))
        die_at("applied_written")
        return state

    def commit(self, version: int, sha256: str, report: dict[str, Any]) -> None:
        """The trial is good: it becomes the applied version (unproven until a start with it completes)."""
        state = self.read_state()
        after = OverlayState(version=version, sha256=sha256, report=report, lkg=state.lkg, proven=False)
        atomic_write(self.state_file, after.to_json())

    def rollback(self, report: dict[str, Any]) -> None:
        """Put last-known-good back as applied.yaml and forget the trial."""
        state = self.read_state()
        atomic_write(self.applied, _yaml(self.read_overlay(self.lkg)))
        state.trial, state.report = None, report
        atomic_write(self.state_file, state.to_json())

    def save_report(self, report: dict[str, Any]) -> None:
        """Remember the last report (pending, rejected) without changing what is applied."""
        state = self.read_state()
        state.report = report
        atomic_write(self.state_file, state.to_json())


def _yaml(overlay: dict[str, Any]) -> bytes:
    return yaml.safe_dump(overlay, sort_keys=True).encode()


def _mapping(value: object) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None

"""An over-the-air configuration document: its fields, its content (full or merge patch), its hash and its report."""

from __future__ import annotations

import copy
import enum
import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from edge.core.errors import PrintEdgeError

SCHEMA = "printedge.config/1"
KINDS = ("full", "patch")
REQUIRED = ("schema", "version", "device", "kind", "content", "sha256")
FORBIDDEN_KEYS = ("device.data_dir",)  # the overlay lives in the data directory: a document cannot move it


class ConfigStatus(enum.StrEnum):
    """How a desired configuration ended (so far)."""

    APPLIED = "applied"
    PENDING = "pending"
    REJECTED = "rejected"
    ROLLED_BACK = "rolled_back"


class DocumentError(PrintEdgeError):
    """A configuration document refused before it was applied; `reason` names why (unsigned, stale, ...)."""

    code = "config_refused"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, kw_only=True)
class ConfigReport:
    """What config/reported says: the version running, how the last desired one ended, and why."""

    version: int
    status: ConfigStatus
    message: str
    desired: int | None
    reason: str | None = None
    at: float = 0.0

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "version": self.version,
            "status": self.status.value,
            "message": self.message,
            "desired": self.desired,
            "reason": self.reason,
            "at": self.at or time.time(),
        }


class ConfigUpdater(Protocol):
    """The OTA pipeline as the web API sees it."""

    async def submit(self, source: str, payload: bytes) -> ConfigReport:
        """Run one document through the pipeline."""
        ...

    def status(self) -> dict[str, object]:
        """The applied version, the last report and what is pending."""
        ...


@dataclass(frozen=True, kw_only=True)
class ConfigDocument:
    """A parsed, hash-checked document (its signature is checked by the caller)."""

    version: int
    device: str  # a device id, or "*" for the fleet
    kind: str
    base_version: int | None
    content: dict[str, Any]
    overrides: dict[str, dict[str, Any]]
    sha256: str
    envelope: dict[str, Any]  # every field as received, for the signature check


def canonical(value: object) -> bytes:
    """Sorted keys, no spaces, UTF-8: the form that is hashed (and signed, as edge.telemetry.signing does)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def content_hash(content: Mapping[str, object], overrides: Mapping[str, object]) -> str:
    """SHA-256 of the canonical {"content", "overrides"}."""
    return hashlib.sha256(canonical({"content": content, "overrides": overrides})).hexdigest()


def parse_document(payload: bytes, max_bytes: int) -> ConfigDocument:
    """Check size, JSON, fields and hash; DocumentError names what is wrong."""
    if len(payload) > max_bytes:
        raise DocumentError(
            "oversized", f"the document is {len(payload)} bytes; at most {max_bytes} (ota.max_document_kb)"
        )
    try:
        envelope = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DocumentError("malformed", f"the document is not JSON: {exc}") from None
    if not isinstance(envelope, dict):
        raise DocumentError("malformed", f"the document must be a JSON object, not {type(envelope).__name__}")
    missing = [name for name in REQUIRED if name not in envelope]
    if missing:
        raise DocumentError("malformed", f"the document lacks {', '.join(missing)} (required: {', '.join(REQUIRED)})")
    _check_fields(envelope)
    overrides = envelope.get("overrides", {})
    if envelope["sha256"] != content_hash(envelope["content"], overrides):
        raise DocumentError("malformed", "sha256 does not match the content and overrides")
    return ConfigDocument(
        version=envelope["version"],
        device=envelope["device"],
        kind=envelope["kind"],
        base_version=envelope.get("base_version"),
        content=envelope["content"],
        overrides=overrides,
        sha256=envelope["sha256"],
        envelope=envelope,
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_fields(envelope: Mapping[str, Any]) -> None:
    overrides = envelope.get("overrides", {})
    checks = (
        ("schema", envelope["schema"] == SCHEMA, f"must be {SCHEMA!r}"),
        ("version", _is_int(envelope["version"]) and envelope["version"] >= 1, "must be a whole number from 1"),
        ("device", isinstance(envelope["device"], str) and bool(envelope["device"]), "must be a device id or '*'"),
        ("kind", envelope["kind"] in KINDS, "must be 'full' or 'patch'"),
        ("content", isinstance(envelope["content"], dict), "must be an object"),
        ("sha256", isinstance(envelope["sha256"], str), "must be hex text"),
        (
            "overrides",
            isinstance(overrides, dict) and all(isinstance(v, dict) for v in overrides.values()),
            "must map device ids to objects",
        ),
    )
    for name, good, rule in checks:
        if not good:
            raise DocumentError("malformed", f"field {name!r} {rule} (got {str(envelope.get(name))[:80]!r})")
    if envelope["kind"] == "patch" and not _is_int(envelope.get("base_version")):
        raise DocumentError("malformed", "a patch needs 'base_version': the version it applies to")


def merge_patch(target: object, patch: object) -> Any:
    """RFC 7386 JSON merge patch: objects merge, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def overlay_for(
    doc: ConfigDocument, device_id: str, applied: Mapping[str, Any], applied_version: int
) -> dict[str, Any]:
    """The overlay this device would run: the content (or the patch on the applied one), then its override."""
    if doc.kind == "patch":
        if doc.base_version != applied_version:
            raise DocumentError(
                "base_mismatch",
                f"the patch applies to version {doc.base_version}, this device runs version {applied_version}",
            )
        overlay = merge_patch(applied, doc.content)
    else:
        overlay = merge_patch({}, doc.content)
    overlay = merge_patch(overlay, doc.overrides.get(device_id, {}))
    for dotted in FORBIDDEN_KEYS:
        section, _, key = dotted.partition(".")
        node = overlay.get(section)
        if isinstance(node, dict) and key in node:
            raise DocumentError("forbidden_key", f"config {dotted} cannot be set over the air (got {node[key]!r})")
    return overlay  # type: ignore[no-any-return]

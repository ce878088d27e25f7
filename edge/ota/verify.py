"""The checks a configuration document passes before it is validated: signature, device and version."""

from __future__ import annotations

from typing import TYPE_CHECKING

from edge.config.ota_document import ConfigDocument, DocumentError
from edge.config.schema import AppConfig
from edge.core.errors import ConfigError
from edge.telemetry.signing import trusted_keys, verify

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def config_keys(config: AppConfig) -> dict[str, Ed25519PublicKey]:
    """The keys that may sign configuration: ota.trusted_keys, else fleet.trusted_keys; blocking (reads files)."""
    return trusted_keys(list(config.ota.trusted_keys or config.fleet.trusted_keys))


def check_signature(doc: ConfigDocument, keys: dict[str, Ed25519PublicKey]) -> str:
    """The id of the pinned key that signed the document; DocumentError when unsigned or wrongly signed."""
    key_id, sig = doc.envelope.get("key"), doc.envelope.get("sig")
    if not isinstance(sig, str) or not sig or not isinstance(key_id, str) or not key_id:
        raise DocumentError("unsigned", "the document is not signed: 'key' and 'sig' are required")
    key = keys.get(key_id)
    if key is None:
        raise DocumentError("unknown_key", f"key {key_id[:64]!r} is not pinned on this device (ota/fleet.trusted_keys)")
    if not verify(doc.envelope, sig, key):
        raise DocumentError("bad_signature", f"the signature does not match the document and key {key_id!r}")
    return key_id


def check_target(doc: ConfigDocument, device_id: str, applied_version: int) -> None:
    """Refuse a document for another device, or one whose version is not above the applied one."""
    if doc.device not in (device_id, "*"):
        raise DocumentError("wrong_device", f"the document is for device {doc.device[:64]!r}, this is {device_id!r}")
    if doc.version < applied_version:
        raise DocumentError("stale", f"version {doc.version} is older than the applied version {applied_version}")
    if doc.version == applied_version:
        raise DocumentError("replayed", f"version {doc.version} is already applied with other content")


def load_keys_or_refuse(config: AppConfig) -> dict[str, Ed25519PublicKey]:
    """config_keys, with a bad entry turned into a refusal."""
    try:
        return config_keys(config)
    except ConfigError as exc:
        raise DocumentError("unknown_key", f"no operator key can be trusted: {exc.message}") from exc

"""Ed25519 signatures over fleet command envelopes: the canonical form, operator keys and the keys a device trusts."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from edge.core.errors import ConfigError, PrintEdgeError

# cryptography costs the appliance 6 MB of memory: it is imported only when a key is used.
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
KEY_FILE_HEADER = "# printedge fleet key: "
PUBLIC_KEY_BYTES = 32


class FleetKeyError(PrintEdgeError):
    """An operator key file is missing, unreadable or not an Ed25519 key."""

    code = "fleet_key"


def canonical_json(envelope: Mapping[str, object]) -> bytes:
    """What is signed: every field but `sig`, keys sorted at every level, no spaces, UTF-8 (not \\u-escaped)."""
    body = {key: value for key, value in envelope.items() if key != "sig"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def public_key_text(key: Ed25519PublicKey) -> str:
    """The raw 32-byte public key in standard base64."""
    from cryptography.hazmat.primitives import serialization

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def verify(envelope: Mapping[str, object], signature_b64: str, key: Ed25519PublicKey) -> bool:
    """Whether the base64 signature is the key's signature over the envelope's canonical form."""
    from cryptography.exceptions import InvalidSignature

    try:
        signature = base64.b64decode(signature_b64, validate=True)
        key.verify(signature, canonical_json(envelope))
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


@dataclass(frozen=True, slots=True)
class OperatorKey:
    """An operator's private signing key and the id devices know it by."""

    id: str
    private: Ed25519PrivateKey

    @classmethod
    def generate(cls, key_id: str | None = None) -> OperatorKey:
        """A new key; without an id, one is derived from the public key."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        private = Ed25519PrivateKey.generate()
        if key_id is None:
            digest = hashlib.sha256(private.public_key().public_bytes_raw()).hexdigest()
            key_id = f"operator-{digest[:8]}"
        check_key_id(key_id)
        return cls(key_id, private)

    @classmethod
    def load(cls, path: Path) -> OperatorKey:
        """Read a key file written by `save` (a header naming the key id, then a PKCS#8 PEM key)."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        try:
            data = path.read_bytes()
        except OSError as exc:
            raise FleetKeyError(f"operator key {path} cannot be read: {exc.strerror or exc}") from exc
        first = data.split(b"\n", 1)[0].decode("utf-8", "replace")
        key_id = first[len(KEY_FILE_HEADER) :].strip() if first.startswith(KEY_FILE_HEADER) else path.stem
        try:
            private = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise FleetKeyError(f"operator key {path} is not an unencrypted PEM private key: {exc}") from exc
        if not isinstance(private, Ed25519PrivateKey):
            raise FleetKeyError(f"operator key {path} is a {type(private).__name__}, not an Ed25519 key")
        if not KEY_ID.fullmatch(key_id):
            raise FleetKeyError(f"operator key {path} names key id {key_id!r}: use letters, digits, '.', '_' or '-'")
        return cls(key_id, private)

    def save(self, path: Path) -> None:
        """Write the key for this user only (0600), never over an existing file."""
        from cryptography.hazmat.primitives import serialization

        pem = self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(f"{KEY_FILE_HEADER}{self.id}\n".encode() + pem)

    def trusted_line(self) -> str:
        """The `key-id:public-key` line for a device's fleet.trusted_keys."""
        return f"{self.id}:{public_key_text(self.private.public_key())}"

    def sign(self, envelope: Mapping[str, object]) -> dict[str, object]:
        """The envelope with this key's id in `key` and the signature in `sig`."""
        signed = {key: value for key, value in envelope.items() if key != "sig"}
        signed["key"] = self.id
        signed["sig"] = base64.b64encode(self.private.sign(canonical_json(signed))).decode("ascii")
        return signed


def check_key_id(key_id: str) -> None:
    """Refuse a key id that is not 1 to 64 letters, digits, '.', '_' or '-'."""
    if not KEY_ID.fullmatch(key_id):
        raise FleetKeyError(f"key id {key_id!r} must be 1 to 64 letters, digits, '.', '_' or '-'")


def parse_trusted_line(line: str, where: str) -> tuple[str, Ed25519PublicKey]:
    """One `key-id:base64-public-key` entry."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key_id, sep, encoded = line.strip().partition(":")
    if not sep or not KEY_ID.fullmatch(key_id):
        raise ConfigError(where, line, "must be 'key-id:base64-public-key' (as `printedge fleet keygen` prints)")
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        raise ConfigError(where, line, f"the public key of {key_id!r} is not valid base64") from None
    if len(raw) != PUBLIC_KEY_BYTES:
        raise ConfigError(where, line, f"the public key of {key_id!r} is {len(raw)} bytes, not {PUBLIC_KEY_BYTES}")
    return key_id, Ed25519PublicKey.from_public_bytes(raw)


def is_key_file_entry(entry: str) -> bool:
    """Whether a trusted_keys entry names a file (an absolute, home or relative path) rather than a key."""
    return entry.startswith(("/", "~", "./", "../"))


def read_trusted_file(entry: str, where: str) -> list[str]:
    """The key lines of a trusted keys file (blank lines and # comments skipped); blocking."""
    path = Path(entry).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(where, entry, f"trusted keys file cannot be read: {exc}") from exc
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def trusted_keys(entries: Iterable[str]) -> dict[str, Ed25519PublicKey]:
    """The keys named by fleet.trusted_keys, files read (blocking); a key id given twice is an error."""
    found: dict[str, Ed25519PublicKey] = {}
    for index, entry in enumerate(entries):
        where = f"fleet.trusted_keys[{index}]"
        lines = read_trusted_file(entry, where) if is_key_file_entry(entry) else [entry]
        for line in lines:
            key_id, key = parse_trusted_line(line, where)
            if key_id in found:
                raise ConfigError(where, line, f"key id {key_id!r} is trusted twice; give each operator key its own id")
            found[key_id] = key
    return found

"""Random secrets and their hashes: API keys, session and pairing tokens, setup codes, scrypt passwords."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

API_KEY_PREFIX = "pe_"
# Shown in key lists to tell keys apart: the prefix and the first four random characters.
SHOWN_PREFIX_LENGTH = len(API_KEY_PREFIX) + 4
# 32 letters and digits without 0/O, 1/I: 12 of them are 60 bits, typed from a log or a terminal.
SETUP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
SETUP_CODE_LENGTH = 12

# scrypt: 16 MiB of memory and about 50 ms on a PC (a few hundred on a Pi); the parameters live in each hash.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_MAXMEM = 64 * 1024 * 1024
SALT_BYTES = 16
HASH_BYTES = 32


def new_api_key() -> str:
    """A new API key: 256 random bits, URL-safe, prefixed so secret scanners recognise it."""
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def new_token() -> str:
    """A new session, CSRF or pairing token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """SHA-256 of a high-entropy token or key, as stored (a slow hash adds nothing at 256 bits)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def shown_prefix(api_key: str) -> str:
    """The start of a key, safe to show in lists."""
    return api_key[:SHOWN_PREFIX_LENGTH]


def new_setup_code() -> str:
    """A one-time setup code such as K7QM-4XTP-9WRD."""
    raw = "".join(secrets.choice(SETUP_ALPHABET) for _ in range(SETUP_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, SETUP_CODE_LENGTH, 4))


def setup_codes_match(given: str, expected: str) -> bool:
    """Compare setup codes in constant time, ignoring case, spaces and dashes."""
    return hmac.compare_digest(_normalise(given).encode(), _normalise(expected).encode())


def hash_password(password: str) -> str:
    """scrypt with a fresh random salt, as 'scrypt$n$r$p$salt$hash' (blocking: call it in a thread)."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """Whether a password matches a stored hash (blocking: call it in a thread)."""
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, expected = _unb64(parts[4]), _unb64(parts[5])
    except ValueError:
        return False
    return hmac.compare_digest(_scrypt(password, salt, n, r, p), expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8", "surrogatepass"), salt=salt, n=n, r=r, p=p, maxmem=SCRYPT_MAXMEM, dklen=HASH_BYTES
    )


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

"""What user, key and app names may look like."""

from __future__ import annotations

import re

from edge.auth.errors import InvalidNameError

USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
MAX_LABEL = 64


def user_name(value: str) -> str:
    """A user name: 1 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit."""
    if not USER_NAME.fullmatch(value):
        raise InvalidNameError(
            f"user name {value[:40]!r} is not allowed: use 1 to 32 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return value


def label(value: str, what: str) -> str:
    """A key or app name: 1 to 64 printable characters, spaces at either end dropped."""
    text = value.strip()
    if not text:
        raise InvalidNameError(f"{what} must not be empty, got {value!r}")
    if len(text) > MAX_LABEL:
        raise InvalidNameError(f"{what} must be at most {MAX_LABEL} characters, got {len(text)}: {text[:40]!r}...")
    if not text.isprintable():
        raise InvalidNameError(f"{what} must be printable text without control characters, got {text!r}")
    return text

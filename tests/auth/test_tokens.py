"""Secrets: passwords under scrypt with their own salt, keys and tokens with enough entropy, setup codes."""

from __future__ import annotations

import re

from edge.auth.tokens import (
    hash_password,
    new_api_key,
    new_setup_code,
    setup_codes_match,
    shown_prefix,
    token_hash,
    verify_password,
)


def test_a_password_hash_is_scrypt_with_a_salt_of_its_own_and_verifies_only_the_password() -> None:
    first, second = hash_password("a long password"), hash_password("a long password")
    assert first.startswith("scrypt$16384$8$1$") and first != second, "each hash has its own salt"
    assert verify_password("a long password", first) and verify_password("a long password", second)
    assert not verify_password("a long passwore", first)
    assert not verify_password("a long password", "md5$whatever")


def test_api_keys_carry_at_least_128_random_bits_and_only_their_hash_is_kept() -> None:
    keys = {new_api_key() for _ in range(100)}
    assert len(keys) == 100
    for key in keys:
        assert re.fullmatch(r"pe_[A-Za-z0-9_-]{43}", key), key  # 43 base64url characters: 256 bits
        assert key not in token_hash(key) and len(token_hash(key)) == 64
    assert shown_prefix("pe_abcdefgh") == "pe_abcd"


def test_setup_codes_are_typeable_and_match_without_case_spaces_or_dashes() -> None:
    code = new_setup_code()
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", code), code
    assert setup_codes_match(code.lower().replace("-", " "), code)
    assert not setup_codes_match(code[:-1] + ("A" if code[-1] != "A" else "B"), code)
    assert not setup_codes_match("", code)

"""Signing: the canonical form, trusted key entries and files, and key files that are not keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.core.errors import ConfigError
from edge.telemetry.signing import FleetKeyError, OperatorKey, canonical_json, trusted_keys, verify


def test_the_canonical_form_sorts_keys_drops_sig_and_keeps_utf8() -> None:
    body = {"b": {"z": 1, "a": "Düse"}, "a": [1, 2], "sig": "ignored"}
    assert canonical_json(body) == '{"a":[1,2],"b":{"a":"Düse","z":1}}'.encode()


def test_a_signature_survives_reordering_and_respacing_but_not_a_changed_value() -> None:
    key = OperatorKey.generate("ops")
    signed = key.sign({"v": 1, "device": "*", "command": "pause", "args": {}, "ts": 5, "nonce": "ab" * 16})
    public = key.private.public_key()
    reordered = dict(reversed(list(signed.items())))
    assert verify(reordered, str(signed["sig"]), public)
    assert not verify({**signed, "ts": 6}, str(signed["sig"]), public)


def test_trusted_keys_come_from_lines_and_files(tmp_path: Path) -> None:
    one, two = OperatorKey.generate("one"), OperatorKey.generate("two")
    listing = tmp_path / "operators.keys"
    listing.write_text(f"# the operators\n\n{two.trusted_line()}\n")
    assert sorted(trusted_keys([one.trusted_line(), str(listing)])) == ["one", "two"]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("no-colon", "must be 'key-id:base64-public-key'"),
        ("ops:not base64!", "not valid base64"),
        ("ops:AAAA", "is 3 bytes, not 32"),
        ("/nonexistent/operators.keys", "cannot be read"),
    ],
)
def test_a_bad_trusted_key_entry_is_a_config_error_naming_it(entry: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        trusted_keys([entry])
    assert problem in caught.value.message and "fleet.trusted_keys[0]" in caught.value.message


def test_the_same_key_id_twice_is_refused() -> None:
    with pytest.raises(ConfigError, match="trusted twice"):
        trusted_keys([OperatorKey.generate("ops").trusted_line(), OperatorKey.generate("ops").trusted_line()])


def test_a_key_file_that_is_not_an_ed25519_key_says_so(tmp_path: Path) -> None:
    path = tmp_path / "ops.key"
    path.write_text("hello")
    with pytest.raises(FleetKeyError, match="not an unencrypted PEM private key"):
        OperatorKey.load(path)
    with pytest.raises(FleetKeyError, match="cannot be read"):
        OperatorKey.load(tmp_path / "missing.key")

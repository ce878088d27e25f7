"""`printedge config sign` and `printedge config status --data-dir`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge.cli import main
from edge.config.ota_document import parse_document
from edge.telemetry.signing import OperatorKey, verify


def test_sign_adds_the_schema_hash_key_and_a_valid_signature(tmp_path: Path) -> None:
    key = OperatorKey.generate("ops")
    key.save(tmp_path / "ops.key")
    (tmp_path / "change.yaml").write_text("version: 4\ncontent:\n  audit:\n    max_entries: 500\n")
    assert (
        main(
            [
                "config",
                "sign",
                str(tmp_path / "change.yaml"),
                "--key",
                str(tmp_path / "ops.key"),
                "--out",
                str(tmp_path / "change.json"),
            ]
        )
        == 0
    )
    payload = (tmp_path / "change.json").read_bytes()
    doc = parse_document(payload, 64 * 1024)
    assert (doc.version, doc.device, doc.kind) == (4, "*", "full")
    assert verify(doc.envelope, doc.envelope["sig"], key.private.public_key())


def test_push_refuses_an_unsigned_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "change.json").write_text(json.dumps({"version": 1, "content": {}}))
    assert main(["config", "push", str(tmp_path / "change.json"), "--fleet", "--broker", "mqtt://127.0.0.1:1"]) == 1
    assert "not signed" in capsys.readouterr().err


def test_status_reads_the_data_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "state.json").write_text(json.dumps({"version": 3, "sha256": "x", "trial": None, "report": None}))
    assert main(["config", "status", "--data-dir", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == 3


def test_status_says_when_a_version_was_given_up_at_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    state = {"version": 3, "proven": False, "boot_attempts": 1, "failed": {"version": 4, "sha256": "y", "report": {}}}
    (folder / "state.json").write_text(json.dumps(state))
    assert main(["config", "status", "--data-dir", str(tmp_path)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["proven"], shown["boot_attempts"], shown["given_up"]) == (False, 1, {"version": 4, "sha256": "y"})

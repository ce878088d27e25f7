"""`printedge auth ...` on a data directory: the setup code, keys, and starting over."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge import cli
from edge.auth.setup_code import setup_code_path


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PRINTEDGE_DEVICE__DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["auth", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_setup_code_prints_the_code_the_service_checks_and_the_same_each_time(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "setup-code")
    assert code == 0 and out.strip() == setup_code_path(data_dir).read_text().strip()
    assert run(capsys, "setup-code")[1] == out


def test_a_key_is_printed_once_listed_by_name_and_revoked(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "key", "create", "octoslicer")
    key = out.splitlines()[0]
    assert code == 0 and key.startswith("pe_") and "shown only now" in out
    code, out, _ = run(capsys, "key", "list")
    assert code == 0 and "octoslicer" in out and key[:7] in out and key not in out and "last used never" in out
    code, _, err = run(capsys, "key", "create", "octoslicer")
    assert code == 1 and "exists already" in err
    assert run(capsys, "key", "revoke", "octoslicer")[0] == 0
    code, _, err = run(capsys, "key", "revoke", "octoslicer")
    assert code == 1 and "no working API key is named 'octoslicer'" in err
    assert "revoked" in run(capsys, "key", "list", "--revoked")[1]


def test_unknown_pairing_requests_are_named_in_the_error(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "approve", "OctoApp")
    assert code == 1 and "no pairing request named 'OctoApp' is waiting" in err
    assert run(capsys, "requests")[1].strip() == "no app is waiting for pairing"


def test_reset_owner_needs_yes_and_gives_a_new_setup_code(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "reset-owner")[0] == 2
    code, out, _ = run(capsys, "reset-owner", "--yes")
    assert code == 0 and setup_code_path(data_dir).read_text().strip() in out

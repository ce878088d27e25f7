"""The overlay files on their own: trials, commits, starts that count, and giving up a version that cannot start."""

from __future__ import annotations

from pathlib import Path

from edge.config.lkg import MAX_BOOT_ATTEMPTS, OverlayFiles


def commit(files: OverlayFiles, version: int, overlay: dict[str, object]) -> None:
    """Write and commit one version, as the pipeline does."""
    files.begin(dict(overlay), version, f"sha{version}")
    files.commit(version, f"sha{version}", {"status": "applied", "version": version})


def test_a_committed_version_counts_its_starts_until_one_completes(tmp_path: Path) -> None:
    files = OverlayFiles(tmp_path)
    commit(files, 1, {"audit": {"max_entries": 600}})
    assert files.claim_start() == {"audit": {"max_entries": 600}}
    assert (files.read_state().proven, files.read_state().boot_attempts) == (False, 1)
    files.proven()
    assert (files.read_state().proven, files.read_state().boot_attempts) == (True, 0)
    for _ in range(MAX_BOOT_ATTEMPTS + 2):
        assert files.claim_start() == {"audit": {"max_entries": 600}}
    assert files.read_state().version == 1


def test_giving_up_restores_last_known_good_and_remembers_the_failed_version(tmp_path: Path) -> None:
    files = OverlayFiles(tmp_path)
    commit(files, 1, {"audit": {"max_entries": 600}})
    files.claim_start()
    files.proven()
    commit(files, 2, {"audit": {"max_entries": 700}})
    for _ in range(MAX_BOOT_ATTEMPTS):
        assert files.claim_start() == {"audit": {"max_entries": 700}}
    assert files.claim_start() == {"audit": {"max_entries": 600}}
    state = files.read_state()
    assert (state.version, state.sha256, state.proven) == (1, "sha1", True)
    assert state.failed is not None and (state.failed["version"], state.failed["sha256"]) == (2, "sha2")
    assert state.report is not None and state.report["reason"] == "start_failed"
    assert "version 2 rolled back to version 1" in state.report["message"]


def test_an_unproven_last_known_good_that_fails_too_leads_to_no_overlay(tmp_path: Path) -> None:
    files = OverlayFiles(tmp_path)
    commit(files, 1, {"audit": {"max_entries": 600}})  # never started
    commit(files, 2, {"audit": {"max_entries": 700}})
    for _ in range(MAX_BOOT_ATTEMPTS):
        files.claim_start()
    assert files.claim_start() == {"audit": {"max_entries": 600}}
    assert (files.read_state().version, files.read_state().proven) == (1, False)
    for _ in range(MAX_BOOT_ATTEMPTS):
        files.claim_start()
    assert files.claim_start() == {}
    state = files.read_state()
    assert (state.version, state.proven) == (0, True)
    assert files.claim_start() == {}


def test_an_uncommitted_trial_still_starts_last_known_good(tmp_path: Path) -> None:
    files = OverlayFiles(tmp_path)
    commit(files, 1, {"audit": {"max_entries": 600}})
    files.proven()
    files.begin({"audit": {"max_entries": 700}}, 2, "sha2")
    assert files.claim_start() == {"audit": {"max_entries": 600}}
    assert files.read_state().boot_attempts == 0

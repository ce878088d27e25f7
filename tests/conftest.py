"""Test-suite wide: the two longest runs go to their own xdist worker, everything else runs in order on another."""

from __future__ import annotations

import pytest

# Long because they wait on the wire (a paced link, probes after damaged lines), not because they use the CPU:
# `make test` runs them on a second worker (pytest -n 2 --dist loadgroup) beside the rest, which keeps its order.
BESIDE = ("tests/printer/test_exactly_once.py", "tests/printer/test_paced_faults.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put every test in the `main` group but the long link runs, which go to `beside`."""
    for item in items:
        group = "beside" if item.nodeid.startswith(BESIDE) else "main"
        item.add_marker(pytest.mark.xdist_group(group))

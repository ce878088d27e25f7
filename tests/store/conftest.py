"""Fixtures for the store tests: a real SQLite file per test, and a guard against blocking the loop."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from blockbuster import blockbuster_ctx

from edge.store.db import Database
from edge.store.files import FileStore
from edge.store.jobs import JobRepository

MAX_LINE_LENGTH = 96
MAX_BYTES = 1024 * 1024


@pytest.fixture(autouse=True)
def no_blocking_in_edge() -> Iterator[None]:
    """Fail any test in which edge code makes a blocking call on the event loop."""
    with blockbuster_ctx(["edge"]):
        yield


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """An open database in the test's directory."""
    database = Database(tmp_path / "data" / "printedge.db")
    await database.open()
    yield database
    await database.close()


@pytest.fixture
def files_root(tmp_path: Path) -> Path:
    """Where the file store keeps uploads."""
    return tmp_path / "data" / "files"


@pytest.fixture
def files(db: Database, files_root: Path) -> FileStore:
    """A file store with a small upload limit and no disk margin surprises."""
    return FileStore(db, files_root, MAX_LINE_LENGTH, MAX_BYTES)


@pytest.fixture
def jobs(db: Database) -> JobRepository:
    """The job repository on the test database."""
    return JobRepository(db)

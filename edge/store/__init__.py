"""Persistence: the SQLite database, uploaded G-code files, jobs and their history."""

from __future__ import annotations

from edge.store.db import Database
from edge.store.files import FileStore, ReconcileReport, StoredFile
from edge.store.jobs import JobEvent, JobRepository

__all__ = ["Database", "FileStore", "JobEvent", "JobRepository", "ReconcileReport", "StoredFile"]

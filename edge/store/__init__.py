"""Persistence: the SQLite database, uploaded G-code files, jobs and their history, the audit log, identity."""

from __future__ import annotations

from edge.store.audit import AuditEntry, AuditLog, AuditResult
from edge.store.db import Database
from edge.store.files import FileStore, ReconcileReport, StoredFile
from edge.store.identity import DeviceIdentity, load_identity
from edge.store.jobs import JobEvent, JobRepository
from edge.store.lock import DataDirLock

__all__ = [
    "AuditEntry",
    "AuditLog",
    "AuditResult",
    "DataDirLock",
    "Database",
    "DeviceIdentity",
    "FileStore",
    "JobEvent",
    "JobRepository",
    "ReconcileReport",
    "StoredFile",
    "load_identity",
]

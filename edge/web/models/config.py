"""Models of the over-the-air configuration endpoints."""

from __future__ import annotations

from typing import Literal, TypedDict


class ConfigReport(TypedDict):
    """How the last desired configuration ended, and which version runs."""

    version: int
    status: Literal["applied", "pending", "rejected", "rolled_back"]
    message: str
    desired: int | None
    reason: str | None
    at: float


class ConfigState(TypedDict):
    """The applied version, the last report, whether a document waits, and what holds the update lock."""

    version: int
    report: ConfigReport
    pending: bool
    busy: str | None

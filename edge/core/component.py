"""The contract every long-lived part of the appliance keeps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Health:
    """A component's health: ok or not, and a sentence saying why."""

    ok: bool
    detail: str = ""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"ok": self.ok, "detail": self.detail}


@runtime_checkable
class Component(Protocol):
    """Constructed from its config section without I/O, then started and stopped by the app."""

    name: str

    async def start(self) -> None:
        """Acquire resources and start background tasks."""

    async def stop(self) -> None:
        """Cancel tasks and release resources; safe to call twice."""

    def status(self) -> dict[str, object]:
        """JSON-ready snapshot of the component's state."""

    def health(self) -> Health:
        """Whether the component is doing its job."""

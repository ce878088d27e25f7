"""The seam for the printer's power relay: control switches it; edge.sensors provides it."""

from __future__ import annotations

from typing import Protocol


class PowerSwitch(Protocol):
    """Something that powers the printer on and off (the PSU relay)."""

    @property
    def powered(self) -> bool:
        """Whether the printer is powered now."""
        ...

    async def power_on(self) -> None:
        """Power the printer and wait for it to come up."""
        ...

    async def power_off(self, *, force: bool = False) -> None:
        """Cut power; refused while printing or hot unless forced (an emergency)."""
        ...

"""Who asks: every command names its caller, and the audit log keeps it."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class CallerKind(enum.StrEnum):
    """Through which door a command came."""

    USER = "user"  # a person signed in to the panel
    API_KEY = "api_key"  # an app or script with an API key
    ANONYMOUS = "anonymous"  # the HTTP API before authentication exists (the caller's address names it)
    MQTT = "mqtt"
    GPIO = "gpio"
    CLI = "cli"
    SYSTEM = "system"  # the appliance itself (a firmware host action, a service stop)


@dataclass(frozen=True, slots=True)
class Caller:
    """A caller: its kind and its name (a user name, a key's name, a device, a pin)."""

    kind: CallerKind
    name: str

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.name}"


SYSTEM = Caller(CallerKind.SYSTEM, "printedge")

"""The firmware dialects the virtual printer speaks, by name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from edge.core.errors import ConfigError
from edge.printer.simulator.dialects.base import Dialect
from edge.printer.simulator.dialects.klipper import Klipper
from edge.printer.simulator.dialects.marlin import Marlin
from edge.printer.simulator.dialects.prusa import Prusa
from edge.printer.simulator.dialects.repetier import Repetier
from edge.printer.simulator.dialects.reprapfirmware import RepRapFirmware

if TYPE_CHECKING:
    from edge.printer.simulator.settings import SimulatorSettings

DIALECTS: dict[str, type[Dialect]] = {cls.name: cls for cls in (Marlin, Prusa, RepRapFirmware, Klipper, Repetier)}
DIALECT_NAMES = tuple(DIALECTS)


def check_dialect(name: str) -> None:
    """Raise ConfigError naming the value unless it is a known dialect."""
    if name not in DIALECTS:
        raise ConfigError("simulator.dialect", name, f"unknown firmware dialect; use one of {', '.join(DIALECTS)}")


def dialect_for(settings: SimulatorSettings) -> Dialect:
    """The dialect object the settings name."""
    check_dialect(settings.dialect)
    return DIALECTS[settings.dialect](settings)


__all__ = ["DIALECTS", "DIALECT_NAMES", "Dialect", "check_dialect", "dialect_for"]

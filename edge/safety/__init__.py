"""The host's second line of thermal safety, behind the firmware's own protection."""

from edge.safety.rules import HeaterWatch, Trip
from edge.safety.watchdog import ThermalWatchdog

__all__ = ["HeaterWatch", "ThermalWatchdog", "Trip"]

"""A virtual Marlin 2.x printer on a pseudo-terminal: paced wire, RX buffer, planner, heaters, faults."""

from __future__ import annotations

from edge.printer.simulator.printer import VirtualPrinter, serve
from edge.printer.simulator.settings import ExecutedLine, SimulatorSettings, SimulatorStats

__all__ = ["ExecutedLine", "SimulatorSettings", "SimulatorStats", "VirtualPrinter", "serve"]

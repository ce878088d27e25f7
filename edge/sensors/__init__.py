"""GPIO sensors and outputs: filament runout, door, emergency-stop button, PSU relay, status LED, enclosure."""

from edge.sensors.component import GpioSensors

__all__ = ["GpioSensors"]

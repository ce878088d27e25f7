"""Host and component health, Raspberry Pi heat and power, and the Prometheus metrics."""

from edge.health.monitor import HealthMonitor

__all__ = ["HealthMonitor"]

"""Models of the detailed health endpoints, the device's URLs and the metrics text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypedDict

from edge.core.component import Health
from edge.web.schema import Meta, Raw

METRICS = Raw(
    {"text/plain": {"type": "string"}},
    "Prometheus text exposition format (version 1.0.0): printer, link, job, MQTT, components and host",
)
QR_CODE = Raw({"image/svg+xml": {"type": "string"}}, "a QR code of the device's LAN URL, as SVG")


class Throttling(TypedDict):
    """A Raspberry Pi's power and throttling flags, now and since boot."""

    raw: str
    now: list[str]
    since_boot: list[str]


class SystemMetrics(TypedDict):
    """The host at its last sample (every health.interval_s)."""

    cpu_ratio: float
    cpu_count: int
    memory_total_bytes: int
    memory_available_bytes: int
    load_average: list[float]
    disk_path: str
    disk_total_bytes: int
    disk_free_bytes: int
    network_received_bytes: int
    network_sent_bytes: int
    process_resident_bytes: int
    process_cpu_seconds: float
    soc_temperature_c: float | None
    throttling: Throttling | None


class DetailedHealth(TypedDict):
    """Every component and check with the host's figures; ok is /health's verdict (the slicer is not part of it)."""

    ok: bool
    version: str
    uptime_s: float
    components: dict[str, Health]
    system: SystemMetrics | None


class ComponentReport(TypedDict):
    """One component's or check's health, with its status snapshot where it has one."""

    name: str
    ok: bool
    detail: str
    status: dict[str, object] | None


@dataclass(frozen=True)
class ComponentPath:
    """A component's or check's name in the URL."""

    name: Annotated[str, Meta(description="e.g. printer, store, web, discovery, host, disk, slicer", example="printer")]


class DeviceUrls(TypedDict):
    """Where the device answers: the best URL for a person, every URL, and the mDNS name when advertised."""

    url: str
    urls: list[str]
    mdns: str | None

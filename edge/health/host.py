"""One sample of the host: CPU, memory, load, disk, network, the process, and a Pi's heat and power (blocking)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import psutil

from edge.health.pi import Throttling, read_soc_temperature, read_throttled


@dataclass(frozen=True, slots=True)
class HostSources:
    """Where a sample is read from: the data directory's filesystem, the Pi's sources, the slicer command."""

    data_dir: Path
    soc_temperature_path: Path
    throttled_command: str
    slicer: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HostSample:
    """The host at one moment."""

    cpu_ratio: float
    cpu_count: int
    memory_total_bytes: int
    memory_available_bytes: int
    load_average: tuple[float, float, float]
    disk_path: str
    disk_total_bytes: int
    disk_free_bytes: int
    network_received_bytes: int
    network_sent_bytes: int
    process_resident_bytes: int
    process_cpu_seconds: float
    soc_temperature_c: float | None = None
    throttling: Throttling | None = None
    slicer: str | None = None  # the slicer's full path when found

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (the detailed health report's `system`)."""
        return {
            "cpu_ratio": round(self.cpu_ratio, 4),
            "cpu_count": self.cpu_count,
            "memory_total_bytes": self.memory_total_bytes,
            "memory_available_bytes": self.memory_available_bytes,
            "load_average": list(self.load_average),
            "disk_path": self.disk_path,
            "disk_total_bytes": self.disk_total_bytes,
            "disk_free_bytes": self.disk_free_bytes,
            "network_received_bytes": self.network_received_bytes,
            "network_sent_bytes": self.network_sent_bytes,
            "process_resident_bytes": self.process_resident_bytes,
            "process_cpu_seconds": round(self.process_cpu_seconds, 3),
            "soc_temperature_c": self.soc_temperature_c,
            "throttling": None if self.throttling is None else self.throttling.to_dict(),
        }


def sample_host(sources: HostSources, process: psutil.Process) -> HostSample:
    """Read everything once (blocking: /proc, statvfs, a command; run it in a worker thread)."""
    memory = psutil.virtual_memory()
    disk_path = _existing(sources.data_dir)
    disk = shutil.disk_usage(disk_path)
    received = sent = 0
    for name, counters in psutil.net_io_counters(pernic=True).items():
        if name != "lo":
            received += counters.bytes_recv
            sent += counters.bytes_sent
    with process.oneshot():
        resident = process.memory_info().rss
        times = process.cpu_times()
    return HostSample(
        cpu_ratio=psutil.cpu_percent(interval=None) / 100.0,
        cpu_count=psutil.cpu_count() or 1,
        memory_total_bytes=memory.total,
        memory_available_bytes=memory.available,
        load_average=os.getloadavg(),
        disk_path=str(disk_path),
        disk_total_bytes=disk.total,
        disk_free_bytes=disk.free,
        network_received_bytes=received,
        network_sent_bytes=sent,
        process_resident_bytes=resident,
        process_cpu_seconds=times.user + times.system,
        soc_temperature_c=read_soc_temperature(sources.soc_temperature_path),
        throttling=read_throttled(sources.throttled_command),
        slicer=shutil.which(sources.slicer),
    )


def _existing(path: Path) -> Path:
    """The path, or its nearest existing parent (the filesystem it will live on)."""
    path = path.expanduser()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path

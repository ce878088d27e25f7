"""CPU, memory, disk and load of the machine (psutil), read off the event loop."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import psutil


def read_system_metrics(data_dir: Path) -> dict[str, object]:
    """A blocking read of /proc and statvfs; call it through asyncio.to_thread."""
    memory = psutil.virtual_memory()
    try:
        disk_percent: float | None = psutil.disk_usage(str(data_dir)).percent
    except OSError:
        disk_percent = None
    load_1, load_5, load_15 = os.getloadavg()
    return {
        "cpu_percent": psutil.cpu_percent(interval=None),
        "memory_percent": memory.percent,
        "memory_available_mb": round(memory.available / 1_048_576, 1),
        "disk_percent": disk_percent,
        "load_1": round(load_1, 2),
        "load_5": round(load_5, 2),
        "load_15": round(load_15, 2),
    }


async def system_metrics(data_dir: Path) -> dict[str, object]:
    """The machine's metrics, without blocking the loop."""
    return await asyncio.to_thread(read_system_metrics, data_dir)

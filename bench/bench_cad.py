"""CAD agent: time to build each catalog part (median of a few runs) and peak RSS of building them all. Prints JSON."""

from __future__ import annotations

import json
import resource
import statistics
import struct
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from edge.agents.cad import build_part, load_model
from edge.agents.errors import ModelError
from edge.agents.spec import PARTS, BuildLimits, DesignSpec


def time_part(part: str, runs: int, limits: BuildLimits) -> float:
    """Median milliseconds to build, check and place the part with its default parameters."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        build_part(DesignSpec(part=part, parameters={}), limits)
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def huge_stl_refusal_ms() -> float:
    """Milliseconds to refuse a (sparse) binary STL whose header claims 10 million triangles."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "huge.stl"
        with path.open("wb") as handle:
            handle.write(b"\0" * 80 + struct.pack("<I", 10_000_000))
            handle.truncate(84 + 50 * 10_000_000)
        started = time.perf_counter()
        try:
            load_model(path, BuildLimits(), 1 << 30, 2_000_000)
        except ModelError:
            return round((time.perf_counter() - started) * 1000, 3)
    raise RuntimeError("the 10-million-triangle STL was not refused")


def main(runs: int = 5) -> dict[str, object]:
    """All figures."""
    limits = BuildLimits()
    per_part = {part: time_part(part, runs, limits) for part in PARTS}
    return {
        "runs_per_part": runs,
        "part_ms_median": per_part,
        "slowest_part": max(per_part, key=per_part.__getitem__),
        "all_parts_ms": round(sum(per_part.values()), 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "huge_stl_refused_ms": huge_stl_refusal_ms(),
    }


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))

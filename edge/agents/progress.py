"""Progress reports from a stage: in a worker process each report is a JSON line on the result channel."""

from __future__ import annotations

import json
from collections.abc import Callable

# Where reports go: set by worker_main to its result channel; None (a stage called in-process) drops them.
_sink: Callable[[str], None] | None = None


def report(fraction: float, message: str) -> None:
    """Tell whoever runs this stage how far it is (0.0 to 1.0) and what it is doing."""
    if _sink is not None:
        _sink(json.dumps({"progress": round(min(max(fraction, 0.0), 1.0), 4), "message": message}))


def set_sink(sink: Callable[[str], None] | None) -> None:
    """Send reports, one JSON text per call, to `sink` (None: drop them)."""
    global _sink
    _sink = sink

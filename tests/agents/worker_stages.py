"""Stage functions for the worker tests, run by MODULE:FUNCTION in a worker process."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from edge.agents import progress
from edge.agents.errors import DesignError

TARGET = "tests.agents.worker_stages"


def echo(request: dict[str, Any]) -> dict[str, Any]:
    """Reports progress twice, prints a stray line, and returns the request with the worker's niceness."""
    progress.report(0.5, "half way")
    print("a stray print must not reach the result channel")
    progress.report(1.0, "done")
    return {"request": request, "nice": os.nice(0), "pid": os.getpid()}


def refuse(request: dict[str, Any]) -> dict[str, Any]:
    """Refuses like a CAD stage would."""
    raise DesignError(f"a wall of {request['wall']} mm is thinner than the 0.4 mm nozzle")


def crash(request: dict[str, Any]) -> dict[str, Any]:
    """Dies of SIGABRT, as a C extension's failed assertion would."""
    print("about to abort", file=sys.stderr, flush=True)
    os.abort()


def fail(request: dict[str, Any]) -> dict[str, Any]:
    """A bug: an exception that is not an AgentError."""
    raise RuntimeError("stage bug: list index out of range")


def garbage(request: dict[str, Any]) -> dict[str, Any]:
    """Writes a line that is not the protocol on the result channel (as a confused library might)."""
    sink = progress._sink
    assert sink is not None
    sink("this is not JSON")
    return {}


def sleep(request: dict[str, Any]) -> dict[str, Any]:
    """Reports its pid, then sleeps for request["seconds"]."""
    progress.report(0.0, str(os.getpid()))
    time.sleep(float(request["seconds"]))
    return {}

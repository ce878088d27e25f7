"""Running a heavy stage (CAD, slicing) in a worker process at lower priority, from the appliance's event loop.

Imports nothing heavy: numpy, trimesh and the stages themselves are only ever imported in the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from edge.agents.errors import AgentError, DesignError, ModelError, SlicerError, WorkerError

CAD_BUILD = "edge.agents.cad.stage:build"
CAD_UPLOAD = "edge.agents.cad.stage:upload"
SLICE = "edge.agents.slicer.stage:slice"

# A stopped worker gets this long to clean up (kill PrusaSlicer, remove partial files) before SIGKILL.
STOP_GRACE_S = 5.0
STDERR_LINES = 8
LINE_LIMIT = 16 * 1024 * 1024
# The folder that holds the `edge` package: the worker imports the same code as this process.
_ROOT = str(Path(__file__).resolve().parents[2])
_ERRORS: dict[str, type[AgentError]] = {
    cls.code: cls for cls in (AgentError, DesignError, ModelError, SlicerError, WorkerError)
}

ProgressCallback = Callable[[float, str], None]


async def run_stage(
    target: str,
    request: dict[str, Any],
    *,
    timeout_s: float,
    nice: int,
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Run MODULE:FUNCTION on `request` in a worker; its result, or its AgentError, or a WorkerError."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "edge.agents.worker_main",
        "--nice",
        str(nice),
        target,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
        env=_environment(),
        limit=LINE_LIMIT,
    )
    stderr: deque[str] = deque(maxlen=STDERR_LINES)
    try:
        async with asyncio.timeout(timeout_s):
            outcome = await _converse(proc, target, request, stderr, on_progress)
    except TimeoutError:
        await asyncio.shield(_stop(proc))
        raise WorkerError(f"stage {target} did not finish within {timeout_s:g} s and was stopped") from None
    except BaseException:
        # Cancelled, or the worker wrote garbage: stop it (and whatever it started) before going on.
        await asyncio.shield(_stop(proc))
        raise
    if "result" in outcome and proc.returncode == 0 and isinstance(outcome["result"], dict):
        result: dict[str, Any] = outcome["result"]
        return result
    if isinstance(outcome.get("error"), dict):
        error = outcome["error"]
        raise _ERRORS.get(str(error.get("code")), AgentError)(str(error.get("message")))
    _kill_group(proc.pid)
    raise WorkerError(f"stage {target} crashed ({_exit(proc.returncode)}): {_last(stderr)}")


async def _converse(
    proc: asyncio.subprocess.Process,
    target: str,
    request: dict[str, Any],
    stderr: deque[str],
    on_progress: ProgressCallback | None,
) -> dict[str, Any]:
    """Send the request, follow progress lines to the outcome line, collect stderr, and wait for the exit."""
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    errors = asyncio.create_task(_collect(proc.stderr, stderr), name=f"worker-stderr {target}")
    try:
        proc.stdin.write(json.dumps(request).encode())
        with contextlib.suppress(ConnectionError):
            await proc.stdin.drain()
        proc.stdin.close()
        outcome: dict[str, Any] = {}
        while line := await proc.stdout.readline():
            message = _parse(line, target)
            if "progress" in message:
                if on_progress is not None:
                    on_progress(float(message["progress"]), str(message.get("message", "")))
            elif not outcome:
                outcome = message
        await proc.wait()
        await errors
        return outcome
    finally:
        errors.cancel()


def _parse(line: bytes, target: str) -> dict[str, Any]:
    """One line of the result channel; anything but a progress, result or error object is a WorkerError."""
    try:
        message = json.loads(line)
    except ValueError:
        message = None
    if not isinstance(message, dict) or not message.keys() & {"progress", "result", "error"}:
        raise WorkerError(f"stage {target} wrote something that is not a progress or result line: {line[:200]!r}")
    return message


async def _collect(stream: asyncio.StreamReader, lines: deque[str]) -> None:
    while line := await stream.readline():
        if text := line.decode("utf-8", "replace").rstrip():
            lines.append(text)


async def _stop(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM the worker's process group, give it STOP_GRACE_S to clean up, then SIGKILL what is left."""
    if proc.returncode is None:
        _signal_group(proc.pid, signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), STOP_GRACE_S)
    _kill_group(proc.pid)
    await proc.wait()


def _kill_group(pid: int) -> None:
    """SIGKILL whatever is left of a worker's group (PrusaSlicer after a worker crashed)."""
    _signal_group(pid, signal.SIGKILL)


def _signal_group(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, env.get("PYTHONPATH", "")) if p)
    return env


def _exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _last(lines: deque[str]) -> str:
    return " | ".join(lines) if lines else "nothing on stderr"

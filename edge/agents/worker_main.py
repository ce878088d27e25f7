"""`python -m edge.agents.worker_main [--nice N] MODULE:FUNCTION`: run one stage on a JSON request read from stdin.

Stdout is the result channel: progress lines, then one result or error line, all JSON. Anything else the stage
or its libraries print goes to stderr. SIGTERM stops the stage (its cleanup runs) and the process exits.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

from edge.agents import progress
from edge.agents.errors import AgentError, WorkerError

EXIT_STOPPED = 128 + signal.SIGTERM
PR_SET_PDEATHSIG = 1

Stage = Callable[[dict[str, Any]], dict[str, Any]]


class Stopped(BaseException):
    """SIGTERM arrived: unwind the stage (a BaseException, so no `except Exception` in a stage swallows it)."""


def main(argv: list[str] | None = None) -> int:
    """Run the stage named on the command line and write its outcome on the result channel."""
    args = list(sys.argv[1:] if argv is None else argv)
    nice = 0
    if len(args) == 3 and args[0] == "--nice":
        nice, args = int(args[1]), args[2:]
    if len(args) != 1:
        print("usage: python -m edge.agents.worker_main [--nice N] MODULE:FUNCTION < request.json", file=sys.stderr)
        return 2
    _lower_priority(nice)
    _stop_with_parent()
    channel = _result_channel()
    lock = threading.Lock()

    def send(line: str) -> None:
        with lock:
            channel.write(line + "\n")
            channel.flush()

    signal.signal(signal.SIGTERM, _stop)
    progress.set_sink(send)
    try:
        request = json.loads(sys.stdin.read())
        result = _load(args[0])(request)
    except AgentError as exc:
        send(json.dumps({"error": {"code": exc.code, "message": exc.message}}))
        return 1
    except Stopped:
        return EXIT_STOPPED
    finally:
        progress.set_sink(None)
    send(json.dumps({"result": result}))
    return 0


def _stop(signum: int, frame: object) -> None:
    raise Stopped


def _stop_with_parent() -> None:
    """Get SIGTERM if the process that started this worker dies (Linux), so no worker outlives the appliance."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl: nobody waits for the result
        os.kill(os.getpid(), signal.SIGTERM)


def _lower_priority(nice: int) -> None:
    """Run at niceness `nice` (an absolute level), and in the idle class when asked for any lower priority."""
    current = os.nice(0)
    if nice > current:
        os.nice(nice - current)
    if nice > 0 and hasattr(os, "sched_setscheduler"):
        # SCHED_IDLE: CAD and PrusaSlicer (which inherits it) only get a core nobody else wants, so the
        # streaming process wakes at once even on a 2-core Pi; niceness alone still steals slices from it.
        with contextlib.suppress(OSError):
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def _result_channel() -> TextIO:
    """The original stdout, for results only; fd 1 then points at stderr so stray prints cannot corrupt it."""
    sys.stdout.flush()
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    return channel


def _load(target: str) -> Stage:
    """The function named MODULE:FUNCTION, imported now (heavy libraries load only in this process)."""
    module_name, _, function_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise WorkerError(f"stage {target!r} cannot be loaded: {exc}") from None
    function = getattr(module, function_name, None)
    if not callable(function):
        raise WorkerError(f"stage {target!r} cannot be loaded: {module_name} has no function {function_name!r}")
    stage: Stage = function
    return stage


if __name__ == "__main__":
    sys.exit(main())

"""`printedge slice`: a model to G-code from the command line, the heavy work in a worker."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from edge.agents.errors import AgentError, DesignError, ModelError
from edge.agents.slicer.profiles import resolve
from edge.agents.worker import SLICE, STOP_GRACE_S, run_stage
from edge.cli_make import add_make_commands
from edge.config.loader import load_config

# Exit codes: the input was refused (unknown profile, missing model) versus the work failed.
EXIT_REFUSED = 2
EXIT_FAILED = 1
EXIT_STOPPED = 130


def add_agent_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `printedge slice`, `design` and `make`."""
    add_make_commands(sub)
    sl = sub.add_parser("slice", help="slice a model (STL) into G-code with PrusaSlicer; prints the analysis as JSON")
    sl.add_argument("model", type=Path, help="the model file (STL)")
    sl.add_argument("-o", "--output", type=Path, required=True, help="the G-code file to write")
    sl.add_argument("--printer", help="printer profile (default: agents.printer_profile)")
    sl.add_argument("--material", help="PLA, PETG, ABS or TPU (default: agents.material)")
    sl.add_argument("--quality", help="draft, standard, fine or ultra (default: agents.quality)")
    sl.add_argument("--config", type=Path, help="YAML file overriding config/default.yaml")
    sl.set_defaults(handler=_cmd_slice)


def _cmd_slice(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    agents = config.agents
    try:
        profiles = resolve(
            args.printer or agents.printer_profile,
            args.material or agents.material,
            args.quality or agents.quality,
            agents.profiles_dir,
        )
    except AgentError as exc:
        return _refused(exc.message)
    if not args.model.is_file():
        return _refused(f"model file {str(args.model)!r} does not exist")
    if not args.output.resolve().parent.is_dir():
        return _refused(f"cannot write {str(args.output)!r}: its folder does not exist")
    request = {
        "model": str(args.model.resolve()),
        "out": str(args.output.resolve()),
        "printer": profiles.printer,
        "material": profiles.material,
        "quality": profiles.quality,
        "timeout_s": agents.slice_timeout_s,
        "slicer_path": agents.slicer_path,
        "profiles_dir": agents.profiles_dir,
        "max_line_length": config.printer.max_line_length,
    }
    run = run_stage(
        SLICE,
        request,
        timeout_s=agents.slice_timeout_s + STOP_GRACE_S,
        nice=agents.worker_nice,
        on_progress=_progress if sys.stderr.isatty() else None,
    )
    try:
        result = asyncio.run(_stoppable(run))
    except (DesignError, ModelError) as exc:
        return _refused(exc.message)
    except AgentError as exc:
        print(f"printedge: {exc.message}", file=sys.stderr)
        return EXIT_FAILED
    except asyncio.CancelledError:
        print("printedge: stopped; the worker and PrusaSlicer were stopped and left no file", file=sys.stderr)
        return EXIT_STOPPED
    print(json.dumps(result, indent=2))
    return 0


async def _stoppable(work: Coroutine[Any, Any, dict[str, Any]]) -> dict[str, Any]:
    """Run `work`; SIGINT or SIGTERM cancel it, so the worker it started is stopped and cleans up."""
    task = asyncio.ensure_future(work)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, task.cancel)
    try:
        return await task
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def _progress(fraction: float, message: str) -> None:
    print(f"{fraction * 100:5.1f} % {message}", file=sys.stderr)


def _refused(message: str) -> int:
    print(f"printedge: {message}", file=sys.stderr)
    return EXIT_REFUSED

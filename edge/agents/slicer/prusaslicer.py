"""Running PrusaSlicer's command line: find it, build the command, run it with a timeout and read its progress."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import IO

from edge.agents.errors import SlicerError
from edge.agents.slicer.profiles import SliceProfiles

# PrusaSlicer's progress lines on stdout: "70 => Infilling layers".
_PROGRESS = re.compile(r"^\s*(\d{1,3}) => (.+)$")
# Its log lines: "[2024-01-01 10:00:00.000000] [0x00007f...] [error]   message".
_LOG = re.compile(r"^\[[^\]]*\] \[[^\]]*\] \[(\w+)\]\s*(.*)$")
# Lines of its output kept for an error message.
TAIL_LINES = 6

ProgressCallback = Callable[[float, str], None]


def find_slicer(slicer_path: str) -> str:
    """The PrusaSlicer executable for agents.slicer_path; a SlicerError saying how to install it if missing."""
    found = shutil.which(slicer_path)
    if found is None:
        raise SlicerError(
            f"PrusaSlicer not found at {slicer_path!r}: install the prusa-slicer package "
            "(sudo apt-get install prusa-slicer) or set agents.slicer_path to its location"
        )
    return found


def slicer_command(slicer: str, profiles: SliceProfiles, model: Path, out: Path) -> list[str]:
    """The command that slices `model` into `out` with the printer, filament and quality profiles."""
    command = [slicer, "--loglevel", "1", "--export-gcode"]
    for path in profiles.files:
        command += ["--load", str(path)]
    return [*command, "--output", str(out), str(model)]


def run_slicer(command: list[str], *, timeout_s: float, on_progress: ProgressCallback) -> None:
    """Run PrusaSlicer to the end; killed on timeout or when the caller is interrupted (the worker is stopped)."""
    proc = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    )
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    assert proc.stdout is not None
    reader = threading.Thread(target=_read, args=(proc.stdout, tail, on_progress), name="prusa-slicer-output")
    reader.start()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise SlicerError(
            f"PrusaSlicer did not finish within {timeout_s:g} s and was stopped (agents.slice_timeout_s)"
        ) from None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join()
    if proc.returncode != 0:
        raise SlicerError(f"PrusaSlicer failed ({_exit(proc.returncode)}): {' | '.join(tail) or 'no output'}")


def _read(stream: IO[str], tail: deque[str], on_progress: ProgressCallback) -> None:
    """Progress lines become reports; every other line may explain a failure."""
    done = 0
    with stream:
        for raw in stream:
            line = raw.strip()
            if log := _LOG.match(line):
                if log.group(1) not in ("error", "fatal", "warning"):
                    continue
                line = f"{log.group(1)}: {log.group(2)}"
            if not line:
                continue
            if match := _PROGRESS.match(line):
                done = max(done, int(match.group(1)))
                on_progress(done / 100, match.group(2))
                continue
            tail.append(line)


def _exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"

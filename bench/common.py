"""Shared helpers for the benchmarks: a simulator in its own process, generated G-code files."""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRINTEDGE = [sys.executable, "-m", "edge.cli"]


def curves_file(path: Path, lines: int, *, chord_mm: float = 0.4, feed_mm_s: float = 80.0) -> Path:
    """Circles sliced into chords of chord_mm at feed_mm_s: the file that makes ping-pong hosts stutter."""
    radius = 40.0
    step = chord_mm / radius
    out = ["G90", "M83", f"G1 X{100 + radius:.3f} Y100.000 F{feed_mm_s * 60:.0f}"]
    for i in range(1, lines + 1):
        angle = i * step
        x, y = 100 + radius * math.cos(angle), 100 + radius * math.sin(angle)
        out.append(f"G1 X{x:.3f} Y{y:.3f} E{chord_mm * 0.0416:.5f}")
    path.write_text("\n".join(out) + "\n")
    return path


class SimulatorProcess:
    """`printedge simulate` in a subprocess, so the host under test has the CPU to itself."""

    def __init__(
        self,
        workdir: Path,
        *,
        baud: int,
        latency_ms: float,
        advanced_ok: bool = True,
        time_scale: float = 1.0,
        rx_buffer: int = 128,
        name: str = "printer",
        extra: tuple[str, ...] = (),
    ) -> None:
        self.link = workdir / name
        self.stats_file = workdir / f"{name}.stats.json"
        args = [
            *PRINTEDGE,
            "simulate",
            "--link",
            str(self.link),
            "--baud",
            str(baud),
            "--latency-ms",
            str(latency_ms),
            "--time-scale",
            str(time_scale),
            "--rx-buffer",
            str(rx_buffer),
            "--stats-file",
            str(self.stats_file),
        ]
        if advanced_ok:
            args.append("--advanced-ok")
        args += extra
        self.proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while not self.link.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"simulator did not start: {self.proc.stderr.read().decode() if self.proc.stderr else ''}"
                )
            time.sleep(0.05)

    def stop(self) -> dict[str, object]:
        """Stop it and return the statistics it wrote."""
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=15)
        data: dict[str, object] = json.loads(self.stats_file.read_text())
        return data

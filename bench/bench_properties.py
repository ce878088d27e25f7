"""Property tests of the protocol core, run with many more examples than `make test` does. Prints JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST = "tests/printer/core/test_core_properties.py"


def run(examples: int, seed: int) -> dict[str, object]:
    """One Hypothesis run of `examples` examples with a fixed seed."""
    env = dict(os.environ, PRINTEDGE_PROPERTY_EXAMPLES=str(examples))
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--hypothesis-seed={seed}", TEST],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return {
        "seed": seed,
        "examples": examples,
        "passed": done.returncode == 0,
        "seconds": round(time.monotonic() - started, 1),
    }


def main(examples: int = 5000, seeds: tuple[int, ...] = (1, 2, 3)) -> dict[str, object]:
    """Several seeds; the total of examples that passed."""
    runs = [run(examples, seed) for seed in seeds]
    return {"runs": runs, "examples_passed": sum(int(str(r["examples"])) for r in runs if r["passed"])}


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))

"""The worker process: stages run outside the appliance, at lower priority, stopped with everything they started."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from blockbuster import blockbuster_ctx

from edge.agents.errors import DesignError, SlicerError, WorkerError
from edge.agents.worker import SLICE, run_stage
from tests.agents.slicer.models import box, sphere
from tests.agents.worker_stages import TARGET

ROOT = Path(__file__).resolve().parents[2]


def survivors() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if p.is_running() and p.status() != "zombie"]


async def test_a_stage_runs_in_a_worker_and_its_progress_and_result_come_back() -> None:
    reports: list[tuple[float, str]] = []
    with blockbuster_ctx(["edge"]):
        result = await run_stage(
            f"{TARGET}:echo", {"part": "cube"}, timeout_s=30, nice=0, on_progress=lambda f, m: reports.append((f, m))
        )
    assert result["request"] == {"part": "cube"}
    assert reports == [(0.5, "half way"), (1.0, "done")]


async def test_the_worker_runs_at_the_configured_nice_level() -> None:
    result = await run_stage(f"{TARGET}:echo", {}, timeout_s=30, nice=7)
    assert result["nice"] == 7


async def test_nice_level_is_visible_while_the_worker_runs() -> None:
    seen: list[int] = []

    def on_progress(fraction: float, message: str) -> None:
        seen.append(psutil.Process(int(message)).nice())
        policies.append(os.sched_getscheduler(int(message)))

    policies: list[int] = []
    await run_stage(f"{TARGET}:sleep", {"seconds": 0.2}, timeout_s=30, nice=12, on_progress=on_progress)
    assert seen == [12]
    assert policies == [os.SCHED_IDLE], "the worker only takes CPU time that nothing else wants"


async def test_an_agent_error_comes_back_as_its_own_class_and_message() -> None:
    with pytest.raises(DesignError, match=r"a wall of 0\.1 mm is thinner"):
        await run_stage(f"{TARGET}:refuse", {"wall": 0.1}, timeout_s=30, nice=0)


async def test_a_worker_killed_by_a_signal_is_a_worker_error_naming_the_stage_and_signal() -> None:
    with pytest.raises(WorkerError) as caught:
        await run_stage(f"{TARGET}:crash", {}, timeout_s=30, nice=0)
    assert "worker_stages:crash" in caught.value.message
    assert "SIGABRT" in caught.value.message
    assert "about to abort" in caught.value.message


async def test_a_stage_bug_is_a_worker_error_with_the_exit_code_and_the_traceback_tail() -> None:
    with pytest.raises(WorkerError) as caught:
        await run_stage(f"{TARGET}:fail", {}, timeout_s=30, nice=0)
    assert "exit code 1" in caught.value.message
    assert "stage bug: list index out of range" in caught.value.message


async def test_garbage_on_the_result_channel_is_a_worker_error_and_the_worker_is_stopped() -> None:
    with pytest.raises(WorkerError, match="not a progress or result line: b'this is not JSON"):
        await run_stage(f"{TARGET}:garbage", {}, timeout_s=30, nice=0)
    assert survivors() == []


async def test_an_unknown_stage_is_a_worker_error_naming_it() -> None:
    with pytest.raises(WorkerError, match=r"tests\.agents\.worker_stages:nothing"):
        await run_stage(f"{TARGET}:nothing", {}, timeout_s=30, nice=0)


async def test_a_stage_over_its_time_is_stopped_and_reported() -> None:
    with pytest.raises(WorkerError, match=r"did not finish within 0\.5 s"):
        await run_stage(f"{TARGET}:sleep", {"seconds": 30}, timeout_s=0.5, nice=0)
    assert survivors() == []


async def test_cancelling_a_slice_kills_prusaslicer_and_leaves_no_files(tmp_path: Path) -> None:
    model = sphere(tmp_path / "sphere.stl", diameter=60, subdivisions=6)
    out = tmp_path / "out" / "sphere.gcode"
    out.parent.mkdir()
    task = asyncio.create_task(run_stage(SLICE, {"model": str(model), "out": str(out)}, timeout_s=120, nice=10))
    for _ in range(200):
        if any(p.exe().endswith("/prusa-slicer") for p in survivors()):
            break
        await asyncio.sleep(0.05)
    else:
        pytest.fail("PrusaSlicer never started")
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert survivors() == []
    assert list(out.parent.iterdir()) == []


async def test_a_slice_through_the_worker_returns_the_analysis(tmp_path: Path) -> None:
    model = box(tmp_path / "cube.stl")
    out = tmp_path / "cube.gcode"
    fractions: list[float] = []
    result = await run_stage(
        SLICE,
        {"model": str(model), "out": str(out)},
        timeout_s=60,
        nice=10,
        on_progress=lambda f, m: fractions.append(f),
    )
    assert result["gcode"] == str(out) and out.is_file()
    assert result["layers"] == 100
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


async def test_a_slicer_error_in_the_worker_comes_back_as_a_slicer_error(tmp_path: Path) -> None:
    model = box(tmp_path / "cube.stl")
    with pytest.raises(SlicerError, match="unknown printer profile 'mk4'"):
        await run_stage(
            SLICE, {"model": str(model), "out": str(tmp_path / "o.gcode"), "printer": "mk4"}, timeout_s=60, nice=0
        )


def test_the_worker_module_imports_nothing_heavy() -> None:
    code = "import sys, edge.agents.worker; print(sorted(m for m in ('numpy', 'trimesh', 'manifold3d') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"

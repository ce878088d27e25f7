"""Text to print and model uploads through the live API: real research, CAD in the worker, real PrusaSlicer."""

from __future__ import annotations

import asyncio
import struct
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import psutil
import pytest
import trimesh

from edge.app import Appliance
from tests.web.conftest import client, no_blocking_in_edge, started
from tests.web.web_helpers import error_of, get_json, wait_for_job

PREPARE_S = 90.0  # research, CAD and a slice, on a loaded 2-core machine
UPLOAD_MB = "64"  # sliced G-code is stored like an upload: the API tests' 1 MB limit is too small for it


@pytest.fixture
async def appliance(tmp_path: Path) -> AsyncIterator[Appliance]:
    """The whole appliance with room for sliced files; nothing may block the loop."""
    app = await started(tmp_path / "data", api__max_upload_mb=UPLOAD_MB)
    with no_blocking_in_edge():
        try:
            yield app
        finally:
            await app.stop()


def stl(mesh: trimesh.Trimesh) -> bytes:
    """A mesh as binary STL bytes."""
    data = mesh.export(file_type="stl")
    assert isinstance(data, bytes)
    return data


async def make_text(api: aiohttp.ClientSession, text: str, **options: object) -> dict[str, Any]:
    """POST a sentence; the 201 job."""
    async with api.post("/api/v1/jobs/text", json={"text": text, **options}) as response:
        body: dict[str, Any] = await response.json()
        assert response.status == 201, body
        return body


async def make_model(api: aiohttp.ClientSession, name: str, data: bytes) -> aiohttp.ClientResponse:
    """POST a model as a raw body; the response (read)."""
    async with api.post(f"/api/v1/jobs/model?name={name}", data=data) as response:
        await response.read()
        return response


async def stage_of(api: aiohttp.ClientSession, job_id: int, name: str) -> dict[str, Any]:
    """One stage of a job as the API reports it."""
    job = await get_json(api, f"/api/v1/jobs/{job_id}")
    return next(stage for stage in job["stages"] if stage["stage"] == name)


async def wait_for_stage(api: aiohttp.ClientSession, job_id: int, name: str, state: str, within: float) -> None:
    """Poll until a stage is in a state."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if (await stage_of(api, job_id, name))["state"] == state:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"stage {name} of job {job_id} did not become {state}: {await stage_of(api, job_id, name)}")


def slicers() -> list[psutil.Process]:
    """PrusaSlicer processes this test started, alive now (it renames itself, so found by its executable)."""
    found = []
    # Only this process's descendants: other test workers (or other checkouts) may be slicing too.
    for proc in psutil.Process().children(recursive=True):
        try:
            text = f"{proc.exe()} {' '.join(proc.cmdline())}"
        except psutil.Error:
            continue  # it ended meanwhile
        if "prusa-slicer" in text or "slic3r" in text.lower():
            found.append(proc)
    return found


async def test_a_sentence_becomes_a_checked_sliced_previewed_job_that_prints(api: aiohttp.ClientSession) -> None:
    job = await make_text(api, "a 20 mm cube in PETG")
    assert (job["state"], job["source"], job["file_id"]) == ("preparing", "text", None)
    ready = await wait_for_job(api, job["id"], "awaiting_confirmation", "failed", within=PREPARE_S)
    assert ready["state"] == "awaiting_confirmation", ready
    assert [(s["stage"], s["state"]) for s in ready["stages"]] == [
        ("research", "done"),
        ("cad", "done"),
        ("slice", "done"),
        ("confirm", "running"),
    ]
    preview = await get_json(api, f"/api/v1/jobs/{job['id']}/preview")
    assert preview["size_mm"] == pytest.approx([20, 20, 20], abs=0.01)
    assert preview["spec"]["material"] == "PETG" and preview["spec"]["part"] == "cube"
    assert preview["layers"] == pytest.approx(100, abs=2)
    assert preview["filament_g"] > 0 and preview["estimated_time_s"] > 0
    async with api.get(preview["mesh_url"]) as response:
        mesh = await response.read()
    assert response.status == 200
    assert len(mesh) == 84 + 50 * struct.unpack("<I", mesh[80:84])[0] == 84 + 50 * preview["triangles"]
    async with api.post(f"/api/v1/jobs/{job['id']}/confirm") as response:
        assert response.status == 200, await response.text()
    done = await wait_for_job(api, job["id"], "completed", "failed", within=120)
    assert done["state"] == "completed", done
    assert done["lines_done"] == done["lines_total"] > 1000


async def test_a_sentence_that_cannot_be_made_is_refused_and_makes_no_job(api: aiohttp.ClientSession) -> None:
    before = await get_json(api, "/api/v1/jobs")
    async with api.post("/api/v1/jobs/text", json={"text": "a cube of 900 mm"}) as response:
        body = await error_of(response)
    assert response.status == 422 and body["error"] == "design_refused"
    assert "900" in body["message"], body
    async with api.post("/api/v1/jobs/text", json={"text": "a cube", "material": "WOOD"}) as response:
        body = await error_of(response)
    assert response.status == 400 and "WOOD" in body["message"], body
    assert await get_json(api, "/api/v1/jobs") == before


async def test_confirming_a_job_that_is_not_waiting_is_refused(api: aiohttp.ClientSession) -> None:
    job = await make_text(api, "a 10 mm cube")
    await wait_for_job(api, job["id"], "awaiting_confirmation", within=PREPARE_S)
    async with api.post(f"/api/v1/jobs/{job['id']}/cancel") as response:
        assert response.status == 200
    async with api.post(f"/api/v1/jobs/{job['id']}/confirm") as response:
        body = await error_of(response)
    assert response.status == 409 and "cancelled" in body["message"], body
    async with api.get(f"/api/v1/jobs/{job['id']}/mesh") as response:
        assert response.status == 404, "a cancelled job's files are removed"


async def test_bad_model_uploads_are_refused_with_clear_errors(api: aiohttp.ClientSession) -> None:
    response = await make_model(api, "part.step", b"solid")
    assert response.status == 415
    response = await make_model(api, "part.stl", b"")
    assert response.status == 422
    # Refused by the CAD stage in the worker: the job fails there and says why.
    open_box = trimesh.creation.box((20, 20, 20))
    open_box.update_faces(open_box.face_normals[:, 2] < 0.9)  # no top: not watertight
    cases = {
        "open.stl": (stl(open_box), "watertight"),
        "corrupt.stl": (b"\0" * 80 + struct.pack("<I", 1000) + b"\0" * 100, "corrupt"),
        "huge.stl": (stl(trimesh.creation.box((400, 20, 20))), "bed"),
    }
    for name, (data, words) in cases.items():
        async with api.post(f"/api/v1/jobs/model?name={name}", data=data) as response:
            job = await response.json()
        assert response.status == 201, job
        failed = await wait_for_job(api, job["id"], "failed", "awaiting_confirmation", within=PREPARE_S)
        assert failed["state"] == "failed", (name, failed)
        assert words in failed["detail"].lower() and failed["detail"].startswith("cad:"), (name, failed["detail"])


async def test_a_model_too_large_for_the_limit_is_refused(tmp_path: Path) -> None:
    app = await started(tmp_path / "data", agents__max_model_mb="1")
    try:
        async with client(app) as api:
            response = await make_model(api, "big.stl", b"\0" * (2 * 1024 * 1024))
            assert response.status == 413
    finally:
        await app.stop()


async def test_an_uploaded_model_is_placed_sliced_and_previewed(api: aiohttp.ClientSession) -> None:
    lying = trimesh.creation.box((30, 10, 50))
    lying.apply_translation((100, 100, 40))  # floating, far from the bed centre
    response = await make_model(api, "tower.stl", stl(lying))
    assert response.status == 201
    job = (await get_json(api, "/api/v1/jobs?limit=1"))[0]
    ready = await wait_for_job(api, job["id"], "awaiting_confirmation", "failed", within=PREPARE_S)
    assert ready["state"] == "awaiting_confirmation", ready
    preview = await get_json(api, f"/api/v1/jobs/{job['id']}/preview")
    assert sorted(preview["size_mm"]) == pytest.approx([10, 30, 50], abs=0.01)
    assert preview["size_mm"][2] == pytest.approx(10, abs=0.01), "the largest flat face lies on the bed"
    assert preview["spec"] is None and preview["layers"] > 0


async def test_cancel_mid_slice_stops_prusaslicer_and_leaves_no_files(appliance: Appliance) -> None:
    async with client(appliance) as api:
        sphere = trimesh.creation.icosphere(subdivisions=6, radius=40)
        response = await make_model(api, "sphere.stl", stl(sphere))
        assert response.status == 201
        job = (await get_json(api, "/api/v1/jobs?limit=1"))[0]
        await wait_for_stage(api, job["id"], "slice", "running", within=PREPARE_S)
        await asyncio.sleep(1.0)  # PrusaSlicer is under way
        assert slicers(), "PrusaSlicer should be running"
        async with api.post(f"/api/v1/jobs/{job['id']}/cancel") as response:
            assert response.status == 200, await response.text()
        assert slicers() == []
        cancelled = await get_json(api, f"/api/v1/jobs/{job['id']}")
        assert cancelled["state"] == "cancelled"
        assert {s["stage"]: s["state"] for s in cancelled["stages"]}["slice"] == "cancelled"
    work = appliance.data_dir / "work"
    assert not (work / str(job["id"])).exists()
    assert list((work / "uploads").iterdir()) == []
    assert [f for f in (appliance.data_dir / "files").iterdir() if f.suffix == ".gcode"] == []


async def test_a_restart_mid_stage_resumes_the_job_at_that_stage(tmp_path: Path) -> None:
    data = tmp_path / "data"
    app = await started(data, api__max_upload_mb=UPLOAD_MB)
    try:
        async with client(app) as api:
            sphere = trimesh.creation.icosphere(subdivisions=5, radius=30)
            response = await make_model(api, "ball.stl", stl(sphere))
            job = (await get_json(api, "/api/v1/jobs?limit=1"))[0]
            assert response.status == 201
            await wait_for_stage(api, job["id"], "slice", "running", within=PREPARE_S)
    finally:
        await app.stop()
    assert slicers() == [], "stopping the service stops its slice"
    app = await started(data, api__max_upload_mb=UPLOAD_MB)
    try:
        with no_blocking_in_edge():
            async with client(app) as api:
                resumed = await wait_for_job(api, job["id"], "awaiting_confirmation", "failed", within=PREPARE_S)
                assert resumed["state"] == "awaiting_confirmation", resumed
                assert [s["state"] for s in resumed["stages"]] == ["done", "done", "running"]
    finally:
        await app.stop()


def test_the_appliance_process_never_imports_numpy_or_trimesh_and_loads_extras_only_when_used() -> None:
    # numpy and trimesh belong to the worker; the others cost megabytes and wait until their feature is used.
    code = (
        "import sys, edge.app, edge.web.server, edge.agents.local, edge.cli\n"
        "from edge.config.loader import load_config\n"
        "edge.app.Appliance(load_config())\n"
        "heavy = ('numpy', 'trimesh', 'manifold3d', 'cryptography', 'gpiozero', 'paho', 'prometheus_client', 'segno')\n"
        "print(','.join(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "", f"the appliance imported {out.stdout.strip()}"

"""`printedge design` and `printedge make` as a person runs them, in a subprocess."""

from __future__ import annotations

import asyncio
import json
import struct
import sys
from pathlib import Path

import pytest

from edge.app import Appliance
from tests.web.conftest import key_headers, started


async def printedge(*args: str, cwd: Path) -> tuple[int, str, str]:
    """Run the CLI; exit code, stdout and stderr."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "edge.cli", *args, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 180)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_design_prints_the_spec_and_writes_the_mesh_resting_on_the_bed(tmp_path: Path) -> None:
    code, out, err = await printedge("design", "a washer for M8 in PETG", "-o", str(tmp_path / "w.stl"), cwd=tmp_path)
    assert code == 0, err
    spec = json.loads(out)
    assert {"part", "parameters", "size_mm", "material", "quality", "assumptions", "confidence"} <= set(spec)
    assert (spec["part"], spec["material"]) == ("washer", "PETG")
    assert spec["parameters"]["inner_diameter"] == pytest.approx(9.0)  # ISO 273 medium clearance: printed holes shrink
    assert any("ISO 273" in assumption for assumption in spec["assumptions"])
    data = (tmp_path / "w.stl").read_bytes()
    count = struct.unpack("<I", data[80:84])[0]
    assert len(data) == 84 + 50 * count
    zs = [
        struct.unpack("<f", data[84 + 50 * i + 12 + 4 * (3 * v + 2) : 84 + 50 * i + 16 + 4 * (3 * v + 2)])[0]
        for i in range(count)
        for v in range(3)
    ]
    assert min(zs) == pytest.approx(0.0, abs=1e-4)
    assert max(zs) == pytest.approx(spec["size_mm"][2], abs=1e-3)


@pytest.mark.parametrize(
    ("text", "words"),
    [("a cube of 300 mm", "300"), ("a tube 20 mm outer 25 mm inner diameter", "25"), ("a flux capacitor", "flux")],
)
async def test_design_refuses_what_cannot_be_made_with_exit_2(tmp_path: Path, text: str, words: str) -> None:
    code, out, err = await printedge("design", text, "-o", str(tmp_path / "x.stl"), cwd=tmp_path)
    assert (code, out) == (2, "")
    assert words in err, err
    assert not (tmp_path / "x.stl").exists()


async def test_make_follows_a_sentence_to_the_queue(tmp_path: Path) -> None:
    app: Appliance = await started(tmp_path / "data", api__max_upload_mb="64", jobs__auto_continue="false")
    try:
        key = key_headers(app)["X-Api-Key"]
        code, out, err = await printedge(
            "make", "a 15 mm cube in PLA, draft", "--yes", "--url", app.web.url, "--api-key", key, cwd=tmp_path
        )
        assert code == 0, err
        assert "slice    done" in out and "15 x 15 x 15 mm" in out, out
        assert out.rstrip().endswith("is queued") or "is printing" in out, out
        code, _, err = await printedge("make", "a cube of 900 mm", "--url", app.web.url, "--api-key", key, cwd=tmp_path)
        assert code == 2 and "900" in err, err
    finally:
        await app.stop()

"""Uploads: refused early with the value that is wrong, repaired only where safe and said so, laid flat on the bed."""

from __future__ import annotations

import math
import struct
import time
from pathlib import Path

import numpy as np
import pytest
import trimesh

from edge.agents.cad import load_model
from edge.agents.cad.upload import load_upload
from edge.agents.errors import ModelError
from edge.agents.spec import BuildLimits

LIMITS = BuildLimits()
MB = 1024 * 1024
MAX_BYTES = 100 * MB
MAX_TRIANGLES = 2_000_000


def load(path: Path, max_bytes: int = MAX_BYTES, max_triangles: int = MAX_TRIANGLES) -> trimesh.Trimesh:
    mesh, _ = load_model(path, LIMITS, max_bytes, max_triangles)
    return mesh


def write(path: Path, mesh: trimesh.Trimesh, file_type: str) -> Path:
    data = mesh.export(file_type=file_type)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def box(x: float, y: float, z: float) -> trimesh.Trimesh:
    return trimesh.creation.box((x, y, z))


def assert_on_bed(mesh: trimesh.Trimesh) -> None:
    low, high = mesh.bounds
    assert low[2] == pytest.approx(0.0, abs=1e-9)
    assert (low + high)[:2] / 2 == pytest.approx([LIMITS.width_mm / 2, LIMITS.depth_mm / 2])


@pytest.mark.parametrize(
    ("name", "file_type"), [("a.stl", "stl_ascii"), ("b.stl", "stl"), ("c.obj", "obj"), ("d.3mf", "3mf")]
)
def test_each_format_loads_checked_and_placed(tmp_path: Path, name: str, file_type: str) -> None:
    mesh = load(write(tmp_path / name, box(40, 30, 10), file_type))
    assert mesh.is_watertight
    assert mesh.volume == pytest.approx(40 * 30 * 10)
    assert sorted(mesh.extents) == pytest.approx([10, 30, 40])
    assert_on_bed(mesh)


def test_a_model_on_its_side_is_laid_on_its_largest_flat_face(tmp_path: Path) -> None:
    mesh = load(write(tmp_path / "standing.stl", box(5, 40, 60), "stl"))
    assert mesh.extents[2] == pytest.approx(5)
    assert_on_bed(mesh)


def test_an_upside_down_cone_is_turned_base_down(tmp_path: Path) -> None:
    cone = trimesh.creation.cone(radius=15, height=30, sections=64)
    cone.apply_transform(trimesh.transformations.rotation_matrix(math.pi, (1, 0, 0)))
    mesh = load(write(tmp_path / "cone.stl", cone, "stl"))
    base = mesh.vertices[mesh.vertices[:, 2] < 1e-6]
    assert np.ptp(base[:, 0]) == pytest.approx(30, rel=0.01)


def test_duplicated_vertices_are_merged_and_reported(tmp_path: Path) -> None:
    solid = box(20, 20, 20)
    triangles = solid.triangles.reshape(-1, 3)
    loose = trimesh.Trimesh(vertices=triangles, faces=np.arange(len(triangles)).reshape(-1, 3), process=False)
    mesh, repairs = load_model(write(tmp_path / "loose.obj", loose, "obj"), LIMITS, MAX_BYTES, MAX_TRIANGLES)
    assert mesh.is_watertight and mesh.volume == pytest.approx(8000)
    assert repairs == ["merged 28 duplicate vertices"]


def test_flipped_faces_are_rewound_and_reported(tmp_path: Path) -> None:
    solid = box(20, 20, 20)
    solid.faces[[0, 5]] = solid.faces[[0, 5]][:, ::-1]
    mesh, repairs = load_model(write(tmp_path / "flipped.stl", solid, "stl"), LIMITS, MAX_BYTES, MAX_TRIANGLES)
    assert mesh.is_winding_consistent and mesh.volume == pytest.approx(8000)
    assert any("winding" in r for r in repairs), repairs


def test_an_inside_out_model_is_turned_and_reported(tmp_path: Path) -> None:
    solid = box(20, 20, 20)
    solid.invert()
    mesh, repairs = load_model(write(tmp_path / "inverted.stl", solid, "stl"), LIMITS, MAX_BYTES, MAX_TRIANGLES)
    assert mesh.volume == pytest.approx(8000)
    assert repairs == ["turned the model right side out (its normals pointed inward)"]


def test_a_tiny_hole_is_filled_and_reported(tmp_path: Path) -> None:
    ball = trimesh.creation.icosphere(subdivisions=5, radius=20)
    ball.update_faces(np.arange(1, len(ball.faces)))
    mesh, repairs = load_model(write(tmp_path / "holed.stl", ball, "stl"), LIMITS, MAX_BYTES, MAX_TRIANGLES)
    assert mesh.is_watertight
    assert repairs == ["filled a small hole (3 open edges)"]


def test_an_open_box_is_refused_naming_its_open_edges(tmp_path: Path) -> None:
    solid = box(20, 20, 20)
    solid.update_faces(solid.face_normals[:, 2] < 0.5)  # no top
    with pytest.raises(ModelError, match=r"not watertight: 4 open edges"):
        load(write(tmp_path / "open.stl", solid, "stl"))


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.stl").write_bytes(b"")
    with pytest.raises(ModelError, match=r"empty.stl is empty \(0 bytes\)"):
        load(tmp_path / "empty.stl")


def test_a_binary_stl_without_triangles_is_refused(tmp_path: Path) -> None:
    (tmp_path / "none.stl").write_bytes(b"\0" * 80 + struct.pack("<I", 0))
    with pytest.raises(ModelError, match="has no triangles"):
        load(tmp_path / "none.stl")


def test_ten_million_triangles_are_refused_from_the_header_alone(tmp_path: Path) -> None:
    path = tmp_path / "huge.stl"
    with path.open("wb") as handle:  # a sparse file of the right length: nothing past the header is written
        handle.write(b"\0" * 80 + struct.pack("<I", 10_000_000))
        handle.truncate(84 + 50 * 10_000_000)
    started = time.perf_counter()
    with pytest.raises(ModelError, match=r"huge.stl has 10,000,000 triangles; the limit is 2,000,000"):
        load(path, max_bytes=1024 * MB)
    assert time.perf_counter() - started < 0.5


def test_a_header_claiming_more_triangles_than_the_file_holds_is_corrupt(tmp_path: Path) -> None:
    (tmp_path / "liar.stl").write_bytes(b"\0" * 80 + struct.pack("<I", 10_000_000))
    with pytest.raises(ModelError, match=r"corrupt binary STL: liar.stl says 10,000,000 triangles .* but is 84 bytes"):
        load(tmp_path / "liar.stl")


def test_a_truncated_binary_stl_is_corrupt(tmp_path: Path) -> None:
    path = write(tmp_path / "cut.stl", box(20, 20, 20), "stl")
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(
        ModelError, match=r"corrupt binary STL: cut.stl says 12 triangles \(684 bytes\) but is 674 bytes"
    ):
        load(path)


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "big.stl", box(20, 20, 20), "stl")
    with pytest.raises(ModelError, match=r"big.stl is 684 bytes; the limit is 300 bytes"):
        load(path, max_bytes=300)


@pytest.mark.parametrize("name", ["notes.txt", "part.step", "noextension"])
def test_unsupported_file_types_are_refused_by_name(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("solid x\nendsolid x\n")
    shown = Path(name).suffix or name
    with pytest.raises(ModelError, match=rf"'{shown}' files are not supported; upload STL, 3MF or OBJ"):
        load(tmp_path / name)


def test_a_model_larger_than_the_bed_is_refused_with_both_sizes(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"the mesh is 300.0 x 20.0 x 10.0 mm; the bed is 250 x 210 x 210 mm"):
        load(write(tmp_path / "long.stl", box(300, 20, 10), "stl"))


def test_a_model_that_fits_only_turned_is_turned(tmp_path: Path) -> None:
    made = load_upload(write(tmp_path / "deep.stl", box(200, 240, 10), "stl"), LIMITS, MAX_BYTES, MAX_TRIANGLES)
    assert made.mesh.extents == pytest.approx([240, 200, 10])
    assert made.checks["turned_to_fit"] is True


def test_walls_thinner_than_the_nozzle_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"about \d+% of the model's surface has walls thinner than the 0.4 mm nozzle"):
        load(write(tmp_path / "foil.stl", box(50, 50, 0.2), "stl"))


def test_a_hollow_model_reports_its_wall_estimate(tmp_path: Path) -> None:
    shell = trimesh.boolean.difference([box(40, 40, 40), box(36, 36, 36)], engine="manifold")
    made = load_upload(write(tmp_path / "shell.stl", shell, "stl"), LIMITS, MAX_BYTES, MAX_TRIANGLES)
    assert made.checks["wall_check"] == "ray estimate"
    assert made.checks["thinnest_wall_mm"] == pytest.approx(2.0, abs=0.01)


def test_a_file_trimesh_cannot_read_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.3mf").write_bytes(b"not a zip")
    with pytest.raises(ModelError, match=r"bad.3mf is not a 3MF \(not a zip archive\)"):
        load(tmp_path / "bad.3mf")

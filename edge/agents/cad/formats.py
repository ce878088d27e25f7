"""Model files: what is accepted, what is refused before loading, and writing binary STL atomically."""

from __future__ import annotations

import os
import struct
import tempfile
import zipfile
from pathlib import Path

import trimesh

from edge.agents.errors import ModelError

SUPPORTED = (".stl", ".3mf", ".obj")
STL_HEADER = 84  # 80 bytes of anything, then the triangle count as a little-endian uint32
STL_TRIANGLE = 50  # normal, three vertices (12 float32) and a 2-byte attribute
ZIP_EXPANSION = 10  # a 3MF may unpack to at most this many times the upload limit (zip bombs)
CHUNK = 1 << 20
MB = 1024 * 1024


def inspect(path: Path, max_bytes: int, max_triangles: int) -> str:
    """The file's kind ("binary_stl", "ascii_stl", "3mf", "obj"), or a ModelError before anything is loaded."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise ModelError(f"'{suffix or path.name}' files are not supported; upload STL, 3MF or OBJ")
    size = path.stat().st_size
    if size == 0:
        raise ModelError(f"{path.name} is empty (0 bytes)")
    if size > max_bytes:
        raise ModelError(f"{path.name} is {_size(size)}; the limit is {_size(max_bytes)}")
    if suffix == ".stl":
        kind, triangles = _stl_triangles(path, size)
    elif suffix == ".obj":
        kind, triangles = "obj", _count_lines(path, b"\nf ")
    else:
        kind, triangles = "3mf", _check_zip(path, max_bytes)
    if triangles == 0:
        raise ModelError(f"{path.name} has no triangles")
    if triangles > max_triangles:
        raise ModelError(f"{path.name} has {triangles:,} triangles; the limit is {max_triangles:,}")
    return kind


def write_stl(mesh: trimesh.Trimesh, out: Path) -> None:
    """Write a binary STL (mm) atomically: a temporary file beside `out`, then a rename."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        data = mesh.export(file_type="stl")
        if not isinstance(data, bytes):
            raise TypeError(f"trimesh exported {type(data).__name__}, not bytes, as binary STL")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, out)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _stl_triangles(path: Path, size: int) -> tuple[str, int]:
    """Binary STL: the count from the header, which must match the length. ASCII: its facets, counted."""
    with path.open("rb") as handle:
        head = handle.read(512)
    if len(head) >= STL_HEADER:
        (count,) = struct.unpack_from("<I", head, 80)
        if STL_HEADER + STL_TRIANGLE * count == size:
            return "binary_stl", count
    else:
        count = -1
    if head.lstrip().lower().startswith(b"solid") and _is_text(head):
        return "ascii_stl", _count_lines(path, b"endloop")
    if count < 0:
        raise ModelError(f"corrupt binary STL: {path.name} is {size} bytes, shorter than the {STL_HEADER}-byte header")
    raise ModelError(
        f"corrupt binary STL: {path.name} says {count:,} triangles ({STL_HEADER + STL_TRIANGLE * count:,} bytes) "
        f"but is {size:,} bytes"
    )


def _is_text(head: bytes) -> bool:
    return all(32 <= b < 127 or b in (9, 10, 13) for b in head)


def _count_lines(path: Path, marker: bytes) -> int:
    """How often `marker` occurs, reading in chunks (one split across two chunks is counted once)."""
    found, tail = 0, b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            data = tail + chunk
            found += data.count(marker)
            tail = data[-(len(marker) - 1) :]
    return found


def _check_zip(path: Path, max_bytes: int) -> int:
    """A 3MF is a zip: refuse one that is not, or that unpacks too large; -1 (count unknown until loaded)."""
    if not zipfile.is_zipfile(path):
        raise ModelError(f"{path.name} is not a 3MF (not a zip archive)")
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > ZIP_EXPANSION * max_bytes:
        raise ModelError(f"{path.name} unpacks to {_size(unpacked)}; the limit is {_size(ZIP_EXPANSION * max_bytes)}")
    return -1


def _size(count: int) -> str:
    return f"{count / MB:.1f} MB" if count >= MB else f"{count:,} bytes"

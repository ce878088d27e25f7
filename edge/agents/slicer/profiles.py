"""The PrusaSlicer profiles: printers, filaments (one per material) and qualities, found by name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from edge.agents.errors import SlicerError

# The profiles shipped with PrintEdge; agents.profiles_dir replaces them with another folder of the same layout.
SHIPPED_DIR = Path(__file__).resolve().parents[3] / "config" / "profiles"
KINDS = {"printer": "printers", "material": "filaments", "quality": "qualities"}


@dataclass(frozen=True, kw_only=True)
class SliceProfiles:
    """The three .ini files of one slice, in the order PrusaSlicer loads them, and their merged settings."""

    printer: str
    material: str
    quality: str
    files: tuple[Path, Path, Path]
    settings: dict[str, str]

    def number(self, key: str, default: float = 0.0) -> float:
        """A numeric setting (the first value of a per-extruder list), or `default`."""
        text = self.settings.get(key, "").split(",")[0].strip().rstrip("%")
        try:
            return float(text)
        except ValueError:
            return default


def profiles_dir(configured: str = "") -> Path:
    """The folder the profiles come from: the configured one, else the shipped one."""
    return Path(configured).expanduser() if configured else SHIPPED_DIR


def known(kind: str, configured: str = "") -> list[str]:
    """The names of one kind of profile ("printer", "material" or "quality"); materials in capitals."""
    folder = profiles_dir(configured) / KINDS[kind]
    names = sorted(path.stem for path in folder.glob("*.ini"))
    return [name.upper() for name in names] if kind == "material" else names


def resolve(printer: str, material: str, quality: str, configured: str = "") -> SliceProfiles:
    """The profile files for these names; an unknown name is a SlicerError listing the known ones."""
    folder = profiles_dir(configured)
    if not folder.is_dir():
        raise SlicerError(
            f"profiles folder {str(folder)!r} does not exist: set agents.profiles_dir to a folder with printers/, filaments/ and qualities/"
        )
    files = tuple(
        _find(kind, name, folder, configured)
        for kind, name in (("printer", printer), ("material", material), ("quality", quality))
    )
    assert len(files) == 3
    settings: dict[str, str] = {}
    for path in files:
        settings.update(read_ini(path))
    return SliceProfiles(
        printer=files[0].stem, material=files[1].stem.upper(), quality=files[2].stem, files=files, settings=settings
    )


def read_ini(path: Path) -> dict[str, str]:
    """The `key = value` lines of a PrusaSlicer .ini file (comments and sections skipped)."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in "#;[":
            continue
        key, sep, value = stripped.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values


def _find(kind: str, name: str, folder: Path, configured: str) -> Path:
    path = folder / KINDS[kind] / f"{name.strip().lower()}.ini"
    if name.strip() and "/" not in name and path.is_file():
        return path
    names = known(kind, configured)
    listed = ", ".join(names) if names else f"none: {str(folder / KINDS[kind])!r} has no .ini files"
    raise SlicerError(f"unknown {kind} profile {name!r}: the known ones are {listed}")

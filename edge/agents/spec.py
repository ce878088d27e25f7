"""The design spec: what the research agent produces and the CAD agent builds, with the part catalog."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

Param = float | int | str | bool

MATERIALS = ("PLA", "PETG", "ABS", "TPU")
QUALITIES = ("draft", "standard", "fine", "ultra")
HOLE_PATTERNS = ("none", "corners", "grid", "center")
LID_GAP_MM = 5.0  # a container's lid is printed this far to the right of it

# Every part the CAD library builds, with its parameters (lengths in mm, angles in degrees) and the
# defaults a vague request gets. Research produces exactly these names; CAD consumes exactly these.
PARTS: dict[str, dict[str, Param]] = {
    "cube": {"size": 20.0},
    "box": {"width": 40.0, "depth": 30.0, "height": 20.0},
    "plate": {
        "width": 80.0,
        "depth": 60.0,
        "thickness": 3.0,
        "hole_diameter": 0.0,
        "hole_pattern": "none",
        "hole_rows": 2,
        "hole_columns": 2,
        "hole_margin": 6.0,
    },
    "cylinder": {"diameter": 20.0, "height": 20.0},
    "rod": {"diameter": 8.0, "height": 100.0},
    "disc": {"diameter": 40.0, "height": 3.0},
    "tube": {"outer_diameter": 20.0, "inner_diameter": 16.0, "height": 40.0},
    "washer": {"outer_diameter": 16.0, "inner_diameter": 8.4, "thickness": 1.6},
    "ring": {"outer_diameter": 22.0, "inner_diameter": 18.0, "thickness": 3.0},
    "spacer": {"outer_diameter": 10.0, "inner_diameter": 5.5, "thickness": 10.0},
    "sphere": {"diameter": 20.0},
    "dome": {"diameter": 40.0},
    "cone": {"bottom_diameter": 30.0, "top_diameter": 0.0, "height": 30.0},
    "pyramid": {"base": 30.0, "height": 30.0},
    "hex_prism": {"across_flats": 20.0, "height": 10.0},
    "torus": {"major_diameter": 40.0, "minor_diameter": 8.0},
    "container": {"width": 60.0, "depth": 40.0, "height": 30.0, "wall": 2.0, "lid": False},
    "cup": {"diameter": 70.0, "height": 90.0, "wall": 2.0, "bottom": 2.0},
    "block_with_hole": {"width": 40.0, "depth": 40.0, "height": 20.0, "hole_diameter": 10.0},
    "spur_gear": {"module": 1.0, "teeth": 20, "thickness": 6.0, "bore": 5.0},
    "l_bracket": {"width": 20.0, "leg_a": 40.0, "leg_b": 40.0, "thickness": 4.0, "hole_diameter": 0.0},
    "phone_stand": {"width": 70.0, "angle": 65.0, "thickness": 4.0, "depth": 80.0},
    "hook": {"width": 15.0, "height": 60.0, "reach": 25.0, "thickness": 5.0},
}


@dataclass(frozen=True, kw_only=True)
class BuildLimits:
    """What the printer can make: its build volume and nozzle."""

    width_mm: float = 250.0
    depth_mm: float = 210.0
    height_mm: float = 210.0
    nozzle_mm: float = 0.4

    def to_dict(self) -> dict[str, float]:
        """JSON-ready form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BuildLimits:
        """The inverse of to_dict."""
        return cls(**{k: float(data[k]) for k in ("width_mm", "depth_mm", "height_mm", "nozzle_mm")})


@dataclass(frozen=True, kw_only=True)
class DesignSpec:
    """A part to make: a catalog part with every parameter filled in, and how it was understood."""

    part: str
    parameters: dict[str, Param]
    material: str = "PLA"
    quality: str = "standard"
    copies: int = 1
    assumptions: list[str] = field(default_factory=list)
    confidence: float = 1.0
    text: str = ""
    language: str = "en"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the keys `printedge design` prints, but size_mm, which CAD measures)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DesignSpec:
        """The inverse of to_dict; unknown parts are refused by the CAD agent, not here."""
        return cls(
            part=str(data["part"]),
            parameters=dict(data["parameters"]),
            material=str(data.get("material", "PLA")),
            quality=str(data.get("quality", "standard")),
            copies=int(data.get("copies", 1)),
            assumptions=[str(a) for a in data.get("assumptions", [])],
            confidence=float(data.get("confidence", 1.0)),
            text=str(data.get("text", "")),
            language=str(data.get("language", "en")),
        )

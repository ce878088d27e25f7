"""What the CAD agent hands on: the placed mesh, the checks it passed and the repairs made to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import trimesh


@dataclass(kw_only=True)
class Made:
    """A checked mesh on the bed, with a record of the checks and repairs."""

    mesh: trimesh.Trimesh
    checks: dict[str, Any] = field(default_factory=dict)
    repairs: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Size, volume and triangle count, JSON-ready."""
        return {
            "size_mm": [round(float(v), 3) for v in self.mesh.extents],
            "volume_mm3": round(float(self.mesh.volume), 3),
            "triangles": len(self.mesh.faces),
            "checks": self.checks,
            "repairs": self.repairs,
        }

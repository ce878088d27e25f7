"""What a part module provides: a builder and the part's thinnest features, both from its parameters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import trimesh

from edge.agents.cad.params import Params

# A part's thinnest features by name ("tube wall", "tooth tip"), in mm, checked against the nozzle.
Walls = dict[str, float]


@dataclass(frozen=True, kw_only=True)
class Part:
    """One catalog entry: how to build it and how thin its features are."""

    name: str
    build: Callable[[Params], trimesh.Trimesh]
    walls: Callable[[Params], Walls]

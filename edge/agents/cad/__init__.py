"""The CAD agent: a design spec or an uploaded model becomes a checked mesh lying on the bed (worker process only)."""

from __future__ import annotations

from edge.agents.cad.design import build_part
from edge.agents.cad.upload import load_model

__all__ = ["build_part", "load_model"]

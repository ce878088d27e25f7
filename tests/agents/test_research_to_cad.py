"""Research and CAD agree: every request of the research table builds, and the mesh has the size research promised."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from edge.agents.cad import build_part
from edge.agents.research import bounding_box, research
from edge.agents.spec import BuildLimits

_TABLE = Path(__file__).parent / "research" / "test_research_prompts.py"
_spec = importlib.util.spec_from_file_location("research_prompts", _TABLE)
assert _spec is not None and _spec.loader is not None
_prompts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_prompts)
PROMPTS = [case[0] for case in _prompts.CASES]
LIMITS = BuildLimits()


@pytest.mark.parametrize("prompt", PROMPTS)
def test_the_mesh_of_each_request_has_the_size_research_promised(prompt: str) -> None:
    spec = research(prompt, LIMITS)
    mesh = build_part(spec, LIMITS)
    assert mesh.is_watertight and mesh.volume > 0
    promised = bounding_box(spec.part, spec.parameters)
    built = [float(v) for v in mesh.extents]
    if spec.copies == 1:
        # A part may be turned a quarter on the bed to fit: compare the footprint as a pair.
        assert sorted(built[:2]) == pytest.approx(sorted(promised[:2]), rel=0.02, abs=0.2), spec.parameters
        assert built[2] == pytest.approx(promised[2], rel=0.02, abs=0.2), spec.parameters
    assert float(mesh.bounds[0][2]) == pytest.approx(0.0, abs=1e-6)

"""Research: the backend seam; whatever a backend answers passes the same refusals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from edge.agents.errors import DesignError
from edge.agents.research import LocalRules, ResearchBackend, research
from edge.agents.spec import BuildLimits, DesignSpec

ROOT = Path(__file__).resolve().parents[3]


class FixedBackend:
    """A stand-in for a cloud backend: always answers the same spec."""

    def __init__(self, spec: DesignSpec) -> None:
        self.spec = spec
        self.seen: list[str] = []

    def design(self, text: str, limits: BuildLimits) -> DesignSpec:
        self.seen.append(text)
        return self.spec


def test_local_rules_are_the_default_backend() -> None:
    assert research("a 20 mm cube") == LocalRules().design("a 20 mm cube", BuildLimits())


def test_another_backend_answers_in_place_of_the_rules() -> None:
    backend = FixedBackend(DesignSpec(part="sphere", parameters={"diameter": 30.0}))
    backend_as_protocol: ResearchBackend = backend
    assert research("anything", backend=backend_as_protocol).part == "sphere"
    assert backend.seen == ["anything"]


def test_a_backend_answer_too_large_is_refused() -> None:
    backend = FixedBackend(DesignSpec(part="sphere", parameters={"diameter": 300.0}))
    with pytest.raises(DesignError, match="sphere of 300 x 300 x 300 mm"):
        research("a big ball", backend=backend)


def test_a_backend_answer_with_an_unknown_part_is_refused() -> None:
    backend = FixedBackend(DesignSpec(part="teapot", parameters={}))
    with pytest.raises(DesignError, match="teapot"):
        research("a teapot", backend=backend)


def test_research_imports_neither_numpy_nor_trimesh() -> None:
    code = "import sys, edge.agents.research; print(sorted({'numpy', 'trimesh'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "[]"

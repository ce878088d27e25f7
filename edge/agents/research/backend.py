"""The seam for research backends, and `research`, the one call the pipeline makes."""

from __future__ import annotations

from typing import Protocol

from edge.agents.research.rules import LocalRules
from edge.agents.research.validate import check_spec
from edge.agents.spec import BuildLimits, DesignSpec


class ResearchBackend(Protocol):
    """Anything that turns a request into a spec: the local rules now, a cloud model later."""

    def design(self, text: str, limits: BuildLimits) -> DesignSpec:
        """The spec the text describes; DesignError when it cannot."""
        ...


def research(text: str, limits: BuildLimits | None = None, backend: ResearchBackend | None = None) -> DesignSpec:
    """Text to a checked DesignSpec; every backend's answer passes the same refusals."""
    limits = limits or BuildLimits()
    spec = (backend or LocalRules()).design(text, limits)
    check_spec(spec, limits)
    return spec

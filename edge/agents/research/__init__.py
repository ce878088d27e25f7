"""The research agent: a request in words (English or German) becomes a checked DesignSpec."""

from __future__ import annotations

from edge.agents.research.backend import ResearchBackend, research
from edge.agents.research.rules import LocalRules
from edge.agents.research.units import parse_length
from edge.agents.research.validate import bounding_box, check_spec

__all__ = ["LocalRules", "ResearchBackend", "bounding_box", "check_spec", "parse_length", "research"]

"""Errors an agent raises when it refuses a request; each names the problem and the value."""

from __future__ import annotations

from edge.core.errors import PrintEdgeError


class AgentError(PrintEdgeError):
    """An agent cannot do what was asked: the message says what and with which value."""

    code = "agent_refused"


class DesignError(AgentError):
    """The request cannot become a printable part (too large, zero or negative, thinner than the nozzle)."""

    code = "design_refused"


class ModelError(AgentError):
    """A mesh or an uploaded model is not printable (not watertight, empty, too many triangles, off the bed)."""

    code = "model_refused"


class SlicerError(AgentError):
    """The slicer is missing, failed, timed out or was given an unknown profile."""

    code = "slicer_failed"


class WorkerError(AgentError):
    """The worker process running a stage crashed or was killed."""

    code = "worker_failed"

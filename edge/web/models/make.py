"""Models of the text-to-print and model endpoints: a request, a job's stages and its preview."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, TypedDict

from edge.store.stages import Stage
from edge.web.schema import Meta, Raw

MODEL_UPLOAD = Raw(
    {"application/octet-stream": {"type": "string", "format": "binary"}},
    "the model (STL, 3MF or OBJ) as a raw body, with ?name=part.stl",
)
MESH = Raw({"model/stl": {"type": "string", "format": "binary"}}, "the checked mesh as binary STL, in mm")


@dataclass(frozen=True)
class TextRequest:
    """A part described in words; material, quality and copies here win over what the text says."""

    text: Annotated[
        str, Meta(description="e.g. a 40 mm cube with a 10 mm hole, in PETG", min_length=1, max_length=2000)
    ]
    material: Literal["PLA", "PETG", "ABS", "TPU"] | None = None
    quality: Literal["draft", "standard", "fine", "ultra"] | None = None
    copies: Annotated[int | None, Meta(minimum=1, maximum=100)] = None


@dataclass(frozen=True)
class ModelQuery:
    """The uploaded model's name (its extension says the format) and how to slice it."""

    name: Annotated[str, Meta(description="file name ending in .stl, .3mf or .obj", min_length=1, max_length=255)]
    material: Literal["PLA", "PETG", "ABS", "TPU"] | None = None
    quality: Literal["draft", "standard", "fine", "ultra"] | None = None


class JobStages(TypedDict):
    """The stages of a job from text or a model, in order (empty for a G-code job)."""

    stages: list[Stage]


class Preview(TypedDict):
    """What a person looks at before confirming: the spec, the size, time and filament, and the mesh."""

    job_id: int
    size_mm: list[float] | None
    spec: dict[str, object] | None
    estimated_time_s: float | None
    filament_mm: float | None
    filament_g: float | None
    layers: int | None
    triangles: int | None
    repairs: list[str]
    mesh_url: str | None

"""Models of the file endpoints: uploads are G-code, streamed; the answers are stored files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from edge.web.schema import Meta, Raw

UPLOAD = Raw(
    {
        "multipart/form-data": {
            "type": "object",
            "properties": {"file": {"type": "string", "format": "binary", "description": "the G-code file"}},
            "required": ["file"],
        },
        "application/octet-stream": {"type": "string", "format": "binary"},
    },
    "G-code as multipart/form-data with a `file` field (its file name is the display name), "
    "or as a raw body with ?name=",
)


@dataclass(frozen=True)
class UploadQuery:
    """The file's name, for a raw (not multipart) upload."""

    name: Annotated[str | None, Meta(description="file name for a raw body, e.g. cube.gcode")] = None

"""Models several endpoints share: ids in the URL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from edge.web.schema import Meta

# SQLite's integers are 64-bit: a larger id can only be unknown.
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class IdPath:
    """A numeric id in the URL (/files/{id}, /jobs/{id})."""

    id: Annotated[int, Meta(description="the record's id", minimum=-MAX_ID, maximum=MAX_ID, example=1)]

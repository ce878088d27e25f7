"""The part library: every module in this package lists its parts in CATALOG; this finds them all."""

from __future__ import annotations

import importlib
import pkgutil
import threading

from edge.agents.cad.parts.base import Part
from edge.agents.errors import DesignError
from edge.agents.spec import PARTS

_REGISTRY: dict[str, Part] = {}
_COLLECTING = threading.Lock()


def registry() -> dict[str, Part]:
    """Every part by name, collected once (by one thread) from the modules of this package."""
    with _COLLECTING:
        if not _REGISTRY:
            found: dict[str, Part] = {}
            for info in pkgutil.iter_modules(__path__):
                if info.name == "base":
                    continue
                module = importlib.import_module(f"{__name__}.{info.name}")
                for part in module.CATALOG:
                    if part.name in found:
                        raise RuntimeError(f"part {part.name} is defined twice (again in {info.name})")
                    found[part.name] = part
            _REGISTRY.update(found)
    return _REGISTRY


def part(name: str) -> Part:
    """The part of that name, or a DesignError listing the catalog."""
    found = registry().get(name)
    if found is None:
        raise DesignError(f"unknown part '{name}'; the catalog has: {', '.join(sorted(PARTS))}")
    return found

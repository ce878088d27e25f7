"""LocalRules: the offline backend that reads a request with the rules of this package."""

from __future__ import annotations

from edge.agents.errors import DesignError
from edge.agents.research.features import Features, extract_features
from edge.agents.research.lexicon import language
from edge.agents.research.parameters import fill_parameters
from edge.agents.research.parts import detect_part
from edge.agents.research.sizes import Sizes, read_sizes
from edge.agents.research.units import normalize
from edge.agents.research.validate import check_spec
from edge.agents.spec import BuildLimits, DesignSpec

EXAMPLES = "a cube, box, plate, cylinder, tube, washer, sphere, cone, container, cup, gear, bracket or hook"
# What one kind of missing or unused information costs the confidence.
_PER_DEFAULT = 0.15
_PER_IGNORED = 0.1
_UNIT_ASSUMED = 0.05


class LocalRules:
    """Text to DesignSpec with words, patterns and the part catalog; no network, no model."""

    def design(self, text: str, limits: BuildLimits) -> DesignSpec:
        """The spec a request describes; DesignError when it names no part or cannot be printed."""
        if not text.strip():
            raise DesignError("the request is empty: describe a part, e.g. 'a 20 mm cube in PETG'")
        norm = normalize(text)
        features, rest = extract_features(norm)
        found = detect_part(norm)
        if found is None:
            raise DesignError(f"no part I know in {text.strip()!r}: ask for {EXAMPLES}")
        part, part_language = found
        sizes = read_sizes(rest)
        part, cubic = _refine(part, sizes, features)
        filled = fill_parameters(part, sizes, features, cubic=cubic)
        assumptions = list(filled.assumptions)
        if features.material is None:
            assumptions.append("material not given: PLA")
        if features.quality is None:
            assumptions.append("quality not given: standard")
        unit_assumed = any(not m.unit_given for m in sizes.all())
        confidence = 1.0 - _PER_DEFAULT * filled.main_defaults - _PER_IGNORED * filled.ignored
        confidence -= _UNIT_ASSUMED if unit_assumed else 0.0
        spec = DesignSpec(
            part=part,
            parameters=filled.parameters,
            material=features.material or "PLA",
            quality=features.quality or "standard",
            copies=features.copies if features.copies is not None else 1,
            assumptions=assumptions,
            confidence=round(min(1.0, max(0.1, confidence)), 2),
            text=text,
            language=language(norm, part_language),
        )
        check_spec(spec, limits)
        return spec


def _refine(part: str, sizes: Sizes, features: Features) -> tuple[str, bool]:
    """A cube with a hole is a block with a hole, a cylinder with a hole a tube; unequal cube sides a box."""
    holed = features.holes or features.screw is not None or "hole" in sizes.roles or "bore" in sizes.roles
    if part in ("cube", "box") and holed:
        return "block_with_hole", part == "cube"
    if part == "cylinder" and holed:
        return "tube", False
    if part == "disc" and holed:
        return "washer", False
    if part == "cube" and sizes.groups:
        role, group = sizes.groups[0]
        if len({m.mm for m in group}) == 1:
            sizes.groups[0] = (role, group[:1])
        else:
            return "box", False
    return part, False

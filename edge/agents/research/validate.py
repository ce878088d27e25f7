"""Refusals: a spec that cannot be printed is a DesignError naming the problem and the value."""

from __future__ import annotations

import math

from edge.agents.errors import DesignError
from edge.agents.spec import LID_GAP_MM, MATERIALS, PARTS, QUALITIES, BuildLimits, DesignSpec, Param

MAX_COPIES = 100
# Lengths that may be zero: zero means "none" (no hole, no bore, a pointed cone).
_ZERO_ALLOWED = {"hole_diameter", "bore", "top_diameter"}
_NOT_LENGTHS = {"angle", "module", "teeth", "hole_rows", "hole_columns"}
_HOLLOW = ("tube", "washer", "ring", "spacer")


def check_spec(spec: DesignSpec, limits: BuildLimits) -> None:
    """Raise DesignError unless the spec is a catalog part with sane, printable sizes that fit the printer."""
    if spec.part not in PARTS:
        raise DesignError(f"unknown part {spec.part!r}: the catalog has {', '.join(PARTS)}")
    if spec.material not in MATERIALS:
        raise DesignError(f"unknown material {spec.material!r}: use one of {', '.join(MATERIALS)}")
    if spec.quality not in QUALITIES:
        raise DesignError(f"unknown quality {spec.quality!r}: use one of {', '.join(QUALITIES)}")
    if not 1 <= spec.copies <= MAX_COPIES:
        raise DesignError(f"copies {spec.copies} must be between 1 and {MAX_COPIES}")
    missing = set(PARTS[spec.part]) - set(spec.parameters)
    if missing:
        raise DesignError(f"{_label(spec.part)} lacks {', '.join(sorted(missing))}")
    p = spec.parameters
    _check_signs(spec.part, p)
    _check_shape(spec.part, p)
    _check_nozzle(spec.part, p, limits.nozzle_mm)
    _check_fit(spec.part, p, limits)


def bounding_box(part: str, p: dict[str, Param]) -> tuple[float, float, float]:
    """The part's size as built: width (x), depth (y) and height (z) in mm."""
    g = {k: float(v) for k, v in p.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    if part == "cube":
        return g["size"], g["size"], g["size"]
    if part == "container" and p.get("lid") is True:
        return 2 * g["width"] + LID_GAP_MM, g["depth"], g["height"]
    if part in ("box", "container", "block_with_hole"):
        return g["width"], g["depth"], g["height"]
    if part == "plate":
        return g["width"], g["depth"], g["thickness"]
    if part in ("cylinder", "rod", "disc", "cup"):
        return g["diameter"], g["diameter"], g["height"]
    if part == "tube":
        return g["outer_diameter"], g["outer_diameter"], g["height"]
    if part in ("washer", "ring", "spacer"):
        return g["outer_diameter"], g["outer_diameter"], g["thickness"]
    if part == "sphere":
        return g["diameter"], g["diameter"], g["diameter"]
    if part == "dome":
        return g["diameter"], g["diameter"], g["diameter"] / 2
    if part == "cone":
        widest = max(g["bottom_diameter"], g["top_diameter"])
        return widest, widest, g["height"]
    if part == "pyramid":
        return g["base"], g["base"], g["height"]
    if part == "hex_prism":
        return g["across_flats"] * 2 / math.sqrt(3), g["across_flats"], g["height"]
    if part == "torus":
        outside = g["major_diameter"] + g["minor_diameter"]
        return outside, outside, g["minor_diameter"]
    if part == "spur_gear":
        outside = g["module"] * (g["teeth"] + 2)
        return outside, outside, g["thickness"]
    if part == "l_bracket":
        return g["width"], g["leg_a"], g["leg_b"]
    # The phone stand and the hook are printed on their side: their width is the height on the bed.
    if part == "phone_stand":
        return g["depth"], g["depth"] * math.sin(math.radians(g["angle"])) + g["thickness"], g["width"]
    if part == "hook":
        return g["reach"], g["height"], g["width"]
    raise DesignError(f"unknown part {part!r}")


def _check_signs(part: str, p: dict[str, Param]) -> None:
    for name, value in p.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if value < 0 or (value == 0 and name not in _ZERO_ALLOWED):
            unit = "" if name in ("teeth", "hole_rows", "hole_columns", "module") else "°" if name == "angle" else " mm"
            raise DesignError(f"{_label(part)} {_words(name)} {value:g}{unit} must be greater than zero")


def _check_shape(part: str, p: dict[str, Param]) -> None:
    g = {k: float(v) for k, v in p.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    label = _label(part)
    if part in _HOLLOW and g["inner_diameter"] >= g["outer_diameter"]:
        raise DesignError(
            f"{label} inner diameter {g['inner_diameter']:g} mm must be smaller than "
            f"the outer diameter {g['outer_diameter']:g} mm"
        )
    if part == "torus" and g["minor_diameter"] >= g["major_diameter"]:
        raise DesignError(
            f"torus minor diameter {g['minor_diameter']:g} mm must be smaller than "
            f"the major diameter {g['major_diameter']:g} mm"
        )
    if part == "container" and 2 * g["wall"] >= min(g["width"], g["depth"]):
        raise DesignError(f"container wall {g['wall']:g} mm leaves no room inside {g['width']:g} x {g['depth']:g} mm")
    if part == "cup" and (2 * g["wall"] >= g["diameter"] or g["bottom"] >= g["height"]):
        raise DesignError(
            f"cup wall {g['wall']:g} mm or bottom {g['bottom']:g} mm leaves no room inside "
            f"a cup {g['diameter']:g} mm wide and {g['height']:g} mm tall"
        )
    if part in ("block_with_hole", "plate") and g["hole_diameter"] >= min(g["width"], g["depth"]):
        raise DesignError(
            f"{label} hole diameter {g['hole_diameter']:g} mm must be smaller than its sides {g['width']:g} x {g['depth']:g} mm"
        )
    corner_holes = part == "plate" and p["hole_pattern"] in ("corners", "grid")
    if corner_holes and 2 * g["hole_margin"] >= min(g["width"], g["depth"]):
        raise DesignError(
            f"plate hole margin {g['hole_margin']:g} mm is too large for {g['width']:g} x {g['depth']:g} mm"
        )
    if part == "plate" and p["hole_pattern"] not in ("none", "corners", "grid", "center"):
        raise DesignError(f"unknown hole pattern {p['hole_pattern']!r}")
    if part == "spur_gear":
        if int(g["teeth"]) < 6:
            raise DesignError(f"a spur gear needs at least 6 teeth, got {int(g['teeth'])}")
        root = g["module"] * (g["teeth"] - 2.5)
        if g["bore"] >= root:
            raise DesignError(f"spur gear bore {g['bore']:g} mm is not smaller than its root diameter {root:g} mm")
    if part == "l_bracket" and g["thickness"] >= min(g["leg_a"], g["leg_b"]):
        raise DesignError(f"l bracket thickness {g['thickness']:g} mm must be less than its legs")
    if part == "l_bracket" and g["hole_diameter"] >= g["width"]:
        raise DesignError(
            f"l bracket hole diameter {g['hole_diameter']:g} mm must be smaller than its width {g['width']:g} mm"
        )
    if part == "phone_stand" and not 10 <= g["angle"] <= 85:
        raise DesignError(f"phone stand angle {g['angle']:g}° must be between 10° and 85°")
    if part == "hook" and g["thickness"] >= g["height"]:
        raise DesignError(f"hook thickness {g['thickness']:g} mm must be less than its height {g['height']:g} mm")


def _check_nozzle(part: str, p: dict[str, Param], nozzle: float) -> None:
    g = {k: float(v) for k, v in p.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    features = {k: v for k, v in g.items() if k not in _NOT_LENGTHS and v > 0}
    if part in _HOLLOW:
        features["wall"] = (g["outer_diameter"] - g["inner_diameter"]) / 2
    if part == "spur_gear":
        features["tooth"] = math.pi * g["module"] / 2
    for name, value in features.items():
        if value < nozzle:
            raise DesignError(
                f"{_label(part)} {_words(name)} {value:g} mm is thinner than the nozzle {nozzle:g} mm: "
                f"make it at least {nozzle:g} mm"
            )


def _check_fit(part: str, p: dict[str, Param], limits: BuildLimits) -> None:
    x, y, z = bounding_box(part, p)
    flat = (x <= limits.width_mm and y <= limits.depth_mm) or (y <= limits.width_mm and x <= limits.depth_mm)
    if flat and z <= limits.height_mm:
        return
    size = f"{x:g} mm" if part == "cube" else f"{x:.4g} x {y:.4g} x {z:.4g} mm"
    volume = f"{limits.width_mm:g} x {limits.depth_mm:g} x {limits.height_mm:g} mm"
    raise DesignError(
        f"{_label(part)} of {size} does not fit the build volume {volume}: make it smaller or print it in parts"
    )


def _label(part: str) -> str:
    return part.replace("_", " ")


def _words(name: str) -> str:
    return name.replace("_", " ")

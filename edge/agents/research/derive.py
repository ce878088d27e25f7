"""Part-specific derivations: hollow parts from a wall or a screw, gears from a diameter, holes, lids."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from edge.agents.research.features import WASHER_MM, Features
from edge.agents.research.sizes import Sizes
from edge.agents.spec import PARTS, Param

PLATE_HOLE_MM = 3.4  # an M3 clearance hole: the commonest screw on printed parts
BRACKET_HOLE_MM = 4.5  # M4


@dataclass
class Notes:
    """Assumptions written while deriving, and parameters whose default needs no note."""

    lines: list[str] = field(default_factory=list)
    quiet: set[str] = field(default_factory=set)


Derivation = Callable[[dict[str, Param], Sizes, Features, Notes], None]


def _clearance(features: Features, notes: Notes) -> float | None:
    if features.screw is None or features.clearance_mm is None:
        return None
    notes.lines.append(f"{features.screw} screw: {features.clearance_mm:g} mm clearance hole (ISO 273 medium)")
    return features.clearance_mm


def _hollow(part: str) -> Derivation:
    default_out = float(PARTS[part]["outer_diameter"])
    default_wall = (default_out - float(PARTS[part]["inner_diameter"])) / 2

    def derive(params: dict[str, Param], sizes: Sizes, features: Features, notes: Notes) -> None:
        if "inner_diameter" not in params:
            clearance = _clearance(features, notes)
            if clearance is not None:
                params["inner_diameter"] = clearance
        if part == "washer" and features.screw in WASHER_MM:
            outer, thickness = WASHER_MM[features.screw]
            if "outer_diameter" not in params:
                params["outer_diameter"] = outer
            params.setdefault("thickness", thickness)
            notes.lines.append(f"washer for {features.screw}: {outer:g} mm outside, {thickness:g} mm thick (ISO 7089)")
        wall = sizes.role("wall")
        if wall is None and part == "tube":
            wall = sizes.role("thickness")
        has_out, has_in = "outer_diameter" in params, "inner_diameter" in params
        if wall is not None:
            if has_in and not has_out:
                params["outer_diameter"] = float(params["inner_diameter"]) + 2 * wall
            elif not has_in:
                if not has_out:
                    params["outer_diameter"] = default_out
                    notes.lines.append(f"outer diameter not given: {default_out:g} mm")
                params["inner_diameter"] = float(params["outer_diameter"]) - 2 * wall
            return
        if has_out and not has_in:
            outer = float(params["outer_diameter"])
            inner = outer - 2 * default_wall
            params["inner_diameter"] = inner if inner > outer * 0.2 else outer / 2
            notes.lines.append(f"inner diameter not given: {params['inner_diameter']:g} mm")
            notes.quiet.add("inner_diameter")
        elif has_in and not has_out:
            params["outer_diameter"] = float(params["inner_diameter"]) + 2 * default_wall
            notes.lines.append(
                f"outer diameter not given: {params['outer_diameter']:g} mm (a {default_wall:g} mm wall)"
            )
            notes.quiet.add("outer_diameter")

    return derive


def _cup(params: dict[str, Param], sizes: Sizes, features: Features, notes: Notes) -> None:
    inner = sizes.role("inner_diameter")
    if inner is not None and "diameter" not in params:
        wall = float(params.get("wall", PARTS["cup"]["wall"]))
        params["diameter"] = inner + 2 * wall
        notes.lines.append(f"inside {inner:g} mm: outside diameter {params['diameter']:g} mm with the wall")


def _container(params: dict[str, Param], sizes: Sizes, features: Features, notes: Notes) -> None:
    wall = float(params.get("wall", PARTS["container"]["wall"]))
    inner = next((g for role, g in sizes.groups if role == "inner"), None)
    if inner:
        added = (2 * wall, 2 * wall, wall)
        for name, measure, extra in zip(("width", "depth", "height"), inner, added, strict=False):
            params.setdefault(name, measure.mm + extra)
        notes.lines.append(f"inside sizes given: outside sizes add the {wall:g} mm walls and floor")
    if features.lid is None:
        notes.lines.append("no lid asked for: open top")
        notes.quiet.add("lid")
    else:
        params["lid"] = features.lid


def _torus(params: dict[str, Param], sizes: Sizes, features: Features, notes: Notes) -> None:
    minor = float(params.get("minor_diameter", PARTS["torus"]["minor_diameter"]))
    outer, inner = sizes.role("outer_diameter"), sizes.role("inner_diameter")
    if "major_diameter" not in params and outer is not None:
        params["major_diameter"] = outer - minor
    elif "major_diameter" not in params and inner is not None:
        params["major_diameter"] = inner + minor
    if outer is not None and inner is not None and "minor_diameter" not in params:
        params["minor_diameter"] = (outer - inner) / 2
        params["major_diameter"] = (outer + inner) / 2


def _gear(params: dict[str, Param], sizes: Sizes, features: Features, notes: Notes) -> None:
    if features.teeth is not None:
        params["teeth"] = features.teeth
    if features.module is not None:
        params["module"] = features.module
    if "bore" not in params:
        clearance = _clearance(features, notes)
        if clearance is not None:
            params["bore"] = clearance
    pitch = sizes.role("pitch_diameter")
    outside = sizes.role("outer_diameter") or sizes.role("diameter")
    if pitch is not None:
        _gear_from(params, pitch, 0, notes)
    elif outside is not None:
        if sizes.role("outer_diameter") is None:
            notes.lines.append(f"diameter {outside:g} mm read as the outside (tip) diameter")
        _gear_from(params, outside, 2, notes)


def _gear_from(params: dict[str, Param], diameter: float, extra: int, notes: Notes) -> None:
    """Module or teeth from a diameter: pitch diameter = m·z, outside diameter = m·(z + 2)."""
    if "module" in params and "teeth" not in params:
        params["teeth"] = max(round(diameter / float(params["module"])) - extra, 1)
        notes.lines.append(f"{params['teeth']} teeth from the diameter {diameter:g} mm")
        return
    teeth = int(params.get("teeth", PARTS["spur_gear"]["teeth"]))
    params["module"] = round(diameter / (teeth + extra), 3)
    notes.lines.append(f"module {params['module']:g} from the diameter {diameter:g} mm and {teeth} teeth")


def _hex(params: dict[str, Param], sizes: Sizes, features: Features, notes: Notes) -> None:
    corners = sizes.role("across_corners")
    if corners is not None and "across_flats" not in params:
        params["across_flats"] = corners * math.sqrt(3) / 2


def _cone(params: dict[str, Param], sizes: Sizes, features: Features, notes: Notes) -> None:
    if features.truncated and "top_diameter" not in params:
        bottom = float(params.get("bottom_diameter", PARTS["cone"]["bottom_diameter"]))
        params["top_diameter"] = bottom / 2
        notes.lines.append(f"truncated cone: top diameter {bottom / 2:g} mm, half the bottom")


def _plate(params: dict[str, Param], sizes: Sizes, features: Features, notes: Notes) -> None:
    holes = features.holes or features.screw is not None or "hole_diameter" in params
    if not holes:
        params["hole_pattern"] = "none"
        params["hole_diameter"] = 0.0
        notes.quiet.update({"hole_rows", "hole_columns", "hole_margin"})
        return
    if "hole_diameter" not in params:
        clearance = _clearance(features, notes)
        params["hole_diameter"] = clearance if clearance is not None else PLATE_HOLE_MM
        if clearance is None:
            notes.lines.append(f"hole size not given: {PLATE_HOLE_MM:g} mm (M3 clearance)")
    count = features.hole_count
    pattern = features.pattern
    if pattern is None:
        pattern = "center" if count == 1 else "corners" if count in (None, 4) else "grid"
        notes.lines.append(f"hole layout not given: {pattern}")
    params["hole_pattern"] = pattern
    if features.grid is not None:
        params["hole_columns"], params["hole_rows"] = features.grid
    elif pattern == "grid" and count:
        rows = 2 if count % 2 == 0 and count > 2 else 1
        params["hole_rows"], params["hole_columns"] = rows, count // rows
    if pattern != "grid":
        notes.quiet.update({"hole_rows", "hole_columns"})
    if pattern == "center":
        notes.quiet.add("hole_margin")


def _bracket(params: dict[str, Param], sizes: Sizes, features: Features, notes: Notes) -> None:
    if "hole_diameter" in params:
        return
    clearance = _clearance(features, notes)
    if clearance is not None:
        params["hole_diameter"] = clearance
    elif features.holes:
        params["hole_diameter"] = BRACKET_HOLE_MM
        notes.lines.append(f"hole size not given: {BRACKET_HOLE_MM:g} mm (M4 clearance)")
    else:
        notes.quiet.add("hole_diameter")


def _block(params: dict[str, Param], sizes: Sizes, features: Features, notes: Notes) -> None:
    if "hole_diameter" not in params:
        clearance = _clearance(features, notes)
        if clearance is not None:
            params["hole_diameter"] = clearance


def _phone_stand(params: dict[str, Param], sizes: Sizes, features: Features, notes: Notes) -> None:
    if features.angle is not None:
        params["angle"] = features.angle


DERIVE: dict[str, Derivation] = {
    "tube": _hollow("tube"),
    "washer": _hollow("washer"),
    "ring": _hollow("ring"),
    "spacer": _hollow("spacer"),
    "cup": _cup,
    "container": _container,
    "torus": _torus,
    "spur_gear": _gear,
    "hex_prism": _hex,
    "cone": _cone,
    "plate": _plate,
    "l_bracket": _bracket,
    "block_with_hole": _block,
    "phone_stand": _phone_stand,
}

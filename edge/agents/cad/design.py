"""A design spec becomes a checked mesh on the bed: parameters checked, part built, copies set out."""

from __future__ import annotations

import trimesh

from edge.agents.cad.checks import check_fits, check_solid, check_walls
from edge.agents.cad.params import Params
from edge.agents.cad.parts import part
from edge.agents.cad.placement import arrange_copies, place_on_bed, turn_to_fit
from edge.agents.cad.result import Made
from edge.agents.errors import DesignError
from edge.agents.spec import BuildLimits, DesignSpec

MAX_COPIES = 100


def build_part(spec: DesignSpec, limits: BuildLimits) -> trimesh.Trimesh:
    """The spec's part (all its copies), checked and placed on the bed."""
    return make_part(spec, limits).mesh


def make_part(spec: DesignSpec, limits: BuildLimits) -> Made:
    """The part with the checks it passed (walls from its parameters, then the mesh itself)."""
    if not 1 <= spec.copies <= MAX_COPIES:
        raise DesignError(f"copies is {spec.copies}; it must be from 1 to {MAX_COPIES}")
    entry = part(spec.part)
    params = Params(spec.part, spec.parameters)
    checks = check_walls(entry.walls(params), limits.nozzle_mm)
    checks["nozzle_mm"] = limits.nozzle_mm
    mesh = entry.build(params)
    checks.update(check_solid(mesh))
    checks["turned_to_fit"] = turn_to_fit(mesh, limits, DesignError)
    checks["flat_face_down"] = "as designed"
    mesh = arrange_copies(mesh, spec.copies, limits)
    check_fits(mesh.extents, limits, DesignError)
    place_on_bed(mesh, limits)
    checks.update(fits_bed=True, on_bed=True, centred=True, copies=spec.copies)
    return Made(mesh=mesh, checks=checks)

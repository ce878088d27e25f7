"""The agents on this device: research in the appliance process, CAD and slicing in a worker process."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

from edge.agents.errors import DesignError
from edge.agents.research import research
from edge.agents.slicer.profiles import resolve
from edge.agents.spec import MATERIALS, QUALITIES, BuildLimits, DesignSpec
from edge.agents.worker import CAD_BUILD, CAD_UPLOAD, SLICE, ProgressCallback, run_stage
from edge.config.schema import AgentsConfig, MachineConfig

# A slice's own timeout is enforced inside the worker; the worker gets this much longer to report it.
WORKER_GRACE_S = 30.0
MAX_COPIES = 100


def build_limits(agents: AgentsConfig, machine: MachineConfig) -> BuildLimits:
    """What fits both the configured machine and the printer profile slices are made for."""
    profile = resolve(agents.printer_profile, agents.material, agents.quality, agents.profiles_dir)
    corners = [corner.split("x") for corner in profile.settings.get("bed_shape", "").split(",") if "x" in corner]
    width = max((float(x) for x, _ in corners), default=machine.width_mm)
    depth = max((float(y) for _, y in corners), default=machine.depth_mm)
    height = profile.number("max_print_height", machine.height_mm)
    return BuildLimits(
        width_mm=min(width, machine.width_mm),
        depth_mm=min(depth, machine.depth_mm),
        height_mm=min(height, machine.height_mm),
        nozzle_mm=machine.nozzle_diameter_mm,
    )


class LocalAgents:
    """The pipeline's agents on this device; numpy and trimesh are only ever imported by the worker."""

    def __init__(self, config: AgentsConfig, machine: MachineConfig, max_line_length: int) -> None:
        self.config = config
        self.machine = machine
        self.max_line_length = max_line_length
        self._limits: BuildLimits | None = None

    async def limits(self) -> BuildLimits:
        """The build limits, read once from the config and the printer profile."""
        if self._limits is None:
            self._limits = await asyncio.to_thread(build_limits, self.config, self.machine)
        return self._limits

    async def research(self, text: str, options: Mapping[str, object]) -> dict[str, object]:
        """Text to a design spec; options (material, quality, copies) override what the text says."""
        limits = await self.limits()
        spec = await asyncio.to_thread(research, text, limits)
        return with_options(spec, options).to_dict()

    async def build(self, spec: Mapping[str, object], out: Path, progress: ProgressCallback) -> dict[str, object]:
        """A design spec to a checked mesh, in the worker."""
        request = {"spec": dict(spec), "limits": (await self.limits()).to_dict(), "out": str(out)}
        return await self._run(CAD_BUILD, request, self.config.cad_timeout_s, progress)

    async def place_model(self, model: Path, out: Path, progress: ProgressCallback) -> dict[str, object]:
        """An uploaded model checked, repaired where safe and placed, in the worker."""
        request = {
            "model": str(model),
            "limits": (await self.limits()).to_dict(),
            "out": str(out),
            "max_model_mb": self.config.max_model_mb,
            "max_triangles": self.config.max_triangles,
        }
        return await self._run(CAD_UPLOAD, request, self.config.cad_timeout_s, progress)

    async def slice(
        self, mesh: Path, out: Path, options: Mapping[str, object], progress: ProgressCallback
    ) -> dict[str, object]:
        """A mesh to G-code with the configured printer profile, in the worker."""
        request = {
            "model": str(mesh),
            "out": str(out),
            "printer": str(options.get("printer") or self.config.printer_profile),
            "material": str(options.get("material") or self.config.material),
            "quality": str(options.get("quality") or self.config.quality),
            "timeout_s": self.config.slice_timeout_s,
            "slicer_path": self.config.slicer_path,
            "profiles_dir": self.config.profiles_dir,
            "max_line_length": self.max_line_length,
        }
        return await self._run(SLICE, request, self.config.slice_timeout_s + WORKER_GRACE_S, progress)

    async def _run(
        self, target: str, request: dict[str, object], timeout_s: float, progress: ProgressCallback
    ) -> dict[str, object]:
        return await run_stage(
            target, dict(request), timeout_s=timeout_s, nice=self.config.worker_nice, on_progress=progress
        )


def with_options(spec: DesignSpec, options: Mapping[str, object]) -> DesignSpec:
    """The spec with the material, quality and copies a person chose beside the text; bad choices refused."""
    data = spec.to_dict()
    material = options.get("material")
    if material:
        if str(material).upper() not in MATERIALS:
            raise DesignError(f"material {material!r} is not one of {', '.join(MATERIALS)}")
        data["material"] = str(material).upper()
    quality = options.get("quality")
    if quality:
        if str(quality).lower() not in QUALITIES:
            raise DesignError(f"quality {quality!r} is not one of {', '.join(QUALITIES)}")
        data["quality"] = str(quality).lower()
    copies = options.get("copies")
    if copies is not None:
        if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
            raise DesignError(f"copies {copies!r} must be a whole number from 1 to {MAX_COPIES}")
        data["copies"] = copies
    return DesignSpec.from_dict(data)

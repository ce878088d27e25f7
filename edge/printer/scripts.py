"""The G-code the runner sends around a job's own: park, unpark, and the resume of an interrupted job."""

from __future__ import annotations

from edge.config.schema import JobsConfig
from edge.gcode.machine import MachineState
from edge.store.records import RecoveryPoint


def park_script(config: JobsConfig, machine: MachineState) -> list[str]:
    """Retract, lift, and move away in X/Y — only when X and Y are homed, so the move cannot crash."""
    script = [
        "M83",
        f"G1 E-{config.park_retract_mm:g} F2400",
        "G91",
        f"G1 Z{config.park_lift_mm:g} F600",
        "G90",
    ]
    if machine.homed_x and machine.homed_y:
        script.append(f"G1 X{config.park_x:g} Y{config.park_y:g} F{config.park_feedrate:g}")
    return script


def unpark_script(config: JobsConfig, parked: MachineState) -> list[str]:
    """Back to where the head was parked from: X/Y at the lifted height, then Z, unretract, modes restored."""
    return [
        "G90",
        f"G1 X{parked.x:g} Y{parked.y:g} F{config.park_feedrate:g}",
        f"G1 Z{parked.z:g} F600",
        "M83",
        f"G1 E{config.park_retract_mm:g} F2400",
        "M82" if parked.absolute_e else "M83",
        f"G92 E{parked.e:g}",
        f"G1 F{parked.feedrate:g}",
    ]


def resume_script(config: JobsConfig, point: RecoveryPoint) -> list[str]:
    """Heat, home X and Y only, set Z, travel lifted to X/Y, lower, prime, restore modes, then the file goes on."""
    lifted = point.z + config.resume_lift_mm
    script = [
        f"M140 S{point.bed_target:g}",
        f"M104 S{point.hotend_target:g}",
        f"M190 S{point.bed_target:g}",
        f"M109 S{point.hotend_target:g}",
        "G28 X Y",
        "G90",
        f"G92 Z{point.z:g}",
        f"G1 Z{lifted:g} F600",
        f"G1 X{point.x:g} Y{point.y:g} F{config.park_feedrate:g}",
        f"G1 Z{point.z:g} F600",
    ]
    if config.resume_prime_mm > 0:
        script += ["M83", f"G1 E{config.resume_prime_mm:g} F{config.resume_prime_feedrate:g}"]
    script += [
        "M82" if point.absolute_e else "M83",
        f"G92 E{point.e:g}",
        f"M106 S{point.fan:g}" if point.fan else "M107",
        f"M220 S{point.feedrate_pct:g}",
        f"M221 S{point.flow_pct:g}",
        f"G1 F{point.feedrate:g}",
    ]
    return script

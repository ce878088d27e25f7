"""What a person may send by hand while a job runs: only what the runner's machine model can account for."""

from __future__ import annotations

from edge.core.errors import CommandNotAllowedError
from edge.gcode.text import command_word

# Reports change nothing.
REPORTS = frozenset({"M105", "M114", "M115", "M119", "M27", "M31", "M503", "M113"})
# While printing: temperatures (the safety filter bounds them), fan, speed and flow overrides, babystepping,
# the display message. The runner's machine model follows each, so a recovery point stays true.
WHILE_PRINTING = REPORTS | frozenset({"M104", "M140", "M106", "M107", "M220", "M221", "M290", "M117"})
# While paused the head is parked and the unpark script restores position and modes; but homing would move
# Z into the part, and a changed coordinate system would put the nozzle back somewhere else.
REFUSED_WHILE_PAUSED = frozenset({"G28", "G29", "G92", "M112"})


def check_manual(command: str, *, printing: bool, paused: bool) -> None:
    """Refuse a manual command the current state does not allow, saying what is allowed instead."""
    word = command_word(command)
    if paused:
        if word in REFUSED_WHILE_PAUSED:
            raise CommandNotAllowedError(
                f"refused {command!r} while a job is paused: {word} would move the nozzle into the part or change "
                "the coordinates the job resumes at; cancel the job first"
            )
        return
    if printing and word not in WHILE_PRINTING:
        allowed = ", ".join(sorted(WHILE_PRINTING))
        raise CommandNotAllowedError(
            f"refused {command!r} while a job is printing: manual motion, extrusion and mode changes would "
            f"break the job; allowed are {allowed} (pause the job to move the head)"
        )

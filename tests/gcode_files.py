"""G-code files the tests generate."""

from __future__ import annotations

from pathlib import Path


def layered_file(path: Path, layers: int, moves: int, *, feedrate: int = 3000) -> list[int]:
    """Write a file of `layers` layers of `moves` extruding moves; return the line index each layer starts at."""
    lines, starts = ["G28", "G90", "M82", "G92 E0"], []
    e = 0.0
    for layer in range(layers):
        starts.append(len(lines))
        lines += [";LAYER_CHANGE", f"G1 Z{0.2 * (layer + 1):.2f} F600"]
        for i in range(moves):
            e += 0.05
            lines.append(f"G1 X{50 + (i % 2) * 10} Y{50 + layer} E{e:.4f} F{feedrate}")
    path.write_text("\n".join(lines) + "\n")
    return starts

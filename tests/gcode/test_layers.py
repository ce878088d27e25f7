"""Layers for the preview: numbered as the runner numbers them, heights as a fallback, bounded toolpaths."""

from __future__ import annotations

import itertools
from pathlib import Path

from edge.gcode.layers import index_layers, layer_segments


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "part.gcode"
    path.write_text(text)
    return path


def test_markers_number_layers_and_byte_ranges_cover_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "G28\n;LAYER:0\nG1 Z0.3\nG1 X10 E1\n;LAYER:1\nG1 Z0.5\nG1 X0 E2\n")
    layers = index_layers(path)
    assert [(layer.number, layer.z) for layer in layers] == [(0, 0.0), (1, 0.3), (2, 0.5)]
    assert layers[0].start == 0 and layers[-1].end == path.stat().st_size
    assert all(a.end == b.start for a, b in itertools.pairwise(layers))


def test_without_markers_a_new_height_with_extrusion_starts_a_layer(tmp_path: Path) -> None:
    path = write(tmp_path, "G90\nG1 Z0.2\nG1 X10 E1\nG1 Z1.2\nG1 Z0.2\nG1 X0 E2\nG1 Z0.4\nG1 X10 E3\n")
    assert [(layer.number, layer.z) for layer in index_layers(path)] == [(0, 0.0), (1, 0.2), (2, 0.4)]


def test_relative_moves_and_travel_are_followed(tmp_path: Path) -> None:
    path = write(tmp_path, ";LAYER_CHANGE\nG91\nG1 X5 Y5\nG1 X5 E1\nM82\nG90\nG1 X0 Y0 E0.5\n")
    layer = index_layers(path)[1]
    segments, thinned = layer_segments(path, layer)
    assert not thinned
    assert [(s.x1, s.y1, s.extrude) for s in segments] == [(5, 5, False), (10, 5, True), (0, 0, False)]


def test_arcs_become_chords_ending_at_the_target(tmp_path: Path) -> None:
    path = write(tmp_path, ";LAYER_CHANGE\nG1 X10 Y10\nG2 X20 Y10 I5 J0 E1\n")
    segments, _ = layer_segments(path, index_layers(path)[1])
    arc = segments[1:]
    assert len(arc) > 4
    assert (arc[-1].x1, arc[-1].y1) == (20, 10)
    assert max(s.y1 for s in arc) > 14.9  # clockwise from the left goes over the top


def test_a_dense_layer_is_thinned_to_the_limit(tmp_path: Path) -> None:
    moves = "".join(f"G0 X{i % 7} Y1\nG1 X{i % 5} Y{i % 3} E{i + 1}\n" for i in range(5000))
    path = write(tmp_path, ";LAYER_CHANGE\n" + moves)
    segments, thinned = layer_segments(path, index_layers(path)[1], limit=1000)
    assert thinned
    assert len(segments) <= 1000
    assert all(s.extrude for s in segments)

"""The machine model: where the head, the extruder and the feedrate are after the commands the printer ran."""

from __future__ import annotations

from edge.gcode.machine import MachineState


def test_absolute_moves_go_to_the_coordinates_and_return_the_longest_axis_travel() -> None:
    m = MachineState()
    assert m.apply("G1 X10 Y-4 F3000") == 10.0
    assert (m.x, m.y, m.z, m.feedrate) == (10.0, -4.0, 0.0, 3000.0)
    assert m.apply("G0 X10 Y2.5") == 6.5


def test_relative_moves_add_to_the_position() -> None:
    m = MachineState(x=5.0, z=1.0)
    m.apply("G91")
    assert m.apply("G1 X-2 Z0.2") == 2.0
    assert (m.x, m.z) == (3.0, 1.2)


def test_extrusion_follows_m82_and_m83_independently_of_the_axes() -> None:
    m = MachineState()
    m.apply("M83")
    m.apply("G1 X1 E0.5")
    m.apply("G1 X2 E0.25")
    assert (m.x, m.e) == (2.0, 0.75)
    m.apply("M82")
    assert m.apply("G1 E3") == 2.25
    assert m.e == 3.0


def test_a_retraction_in_place_travels_by_its_length() -> None:
    m = MachineState(e=10.0)
    assert m.apply("G1 E8.5 F2400") == 1.5
    assert (m.e, m.feedrate) == (8.5, 2400.0)


def test_a_full_circle_travels_although_it_ends_where_it_starts() -> None:
    m = MachineState(x=10.0, y=10.0)
    assert m.apply("G2 X10 Y10 I5 J0") == 5.0
    assert (m.x, m.y) == (10.0, 10.0)


def test_g92_sets_the_position_without_moving() -> None:
    m = MachineState(x=3.0, e=7.0)
    assert m.apply("G92 E0") == 0.0
    assert (m.x, m.e) == (3.0, 0.0)

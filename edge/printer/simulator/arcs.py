"""G2/G3 arcs cut into straight planner segments the way Marlin 2.1's plan_arc() cuts them."""

from __future__ import annotations

import math

# Marlin's defaults (Configuration_adv.h, ARC_SUPPORT; ARC_SEGMENTS_PER_SEC and ARC_P_CIRCLES off).
MIN_ARC_SEGMENT_MM = 0.1
MAX_ARC_SEGMENT_MM = 1.0
MIN_CIRCLE_SEGMENTS = 72
N_ARC_CORRECTION = 25
_NEAR = 0.000001  # Marlin's NEAR(): equal within a millionth of a millimetre

Point = tuple[float, float, float, float]


def offset_from_radius(start: Point, end: Point, radius: float, clockwise: bool) -> tuple[float, float]:
    """The centre relative to the start for the R form (G2_G3.cpp); (0, 0) when R cannot define one."""
    dx, dy = (end[0] - start[0]) * 0.5, (end[1] - start[1]) * 0.5
    if radius == 0.0 or (dx == 0.0 and dy == 0.0):
        return 0.0, 0.0
    side = -1.0 if clockwise ^ (radius < 0.0) else 1.0
    half_chord = math.hypot(dx, dy)
    squared = (radius - half_chord) * (radius + half_chord)
    height = math.sqrt(squared) if squared >= 0.0 else 0.0  # |R| too small: the centre is the chord's middle
    return dx - dy / half_chord * side * height, dy + dx / half_chord * side * height


def segment_count(flat_mm: float, min_segments: int) -> int:
    """How many segments Marlin 2.1 cuts an arc of `flat_mm` (its length in the XY plane) into.

    nominal = max(floor(flat_mm / MAX_ARC_SEGMENT_MM), min_segments), where min_segments is
    ceil(MIN_CIRCLE_SEGMENTS * angle / 360 deg) (MIN_CIRCLE_SEGMENTS for a full circle); then, when
    flat_mm / nominal > MAX_ARC_SEGMENT_MM: ceil(flat_mm / MAX_ARC_SEGMENT_MM) segments;
    when flat_mm / nominal < MIN_ARC_SEGMENT_MM: max(1, floor(flat_mm / MIN_ARC_SEGMENT_MM));
    otherwise nominal. Defaults: segments of 0.1-1 mm, at least 72 per full circle (5 degrees each).
    """
    nominal = max(math.floor(flat_mm / MAX_ARC_SEGMENT_MM), min_segments)
    length = flat_mm / nominal
    if length > MAX_ARC_SEGMENT_MM:
        return math.ceil(flat_mm / MAX_ARC_SEGMENT_MM)
    if length < MIN_ARC_SEGMENT_MM:
        return max(1, math.floor(flat_mm / MIN_ARC_SEGMENT_MM))
    return nominal


def arc_points(start: Point, end: Point, offset: tuple[float, float], clockwise: bool) -> list[Point]:
    """The end point of every segment (the last is `end` itself); empty when Marlin plans no move.

    The centre is start + offset (I, J). The swept angle is the atan2 of the start and end radius
    vectors, turned the long way round when its sign disagrees with the direction; a start and end
    that are the same XY point make a full circle. Z and E change linearly along the arc. Points
    are rotated by the small-angle approximation (sin t = t - t^3/6, cos t = 1 - t^2/2) and
    recomputed exactly every N_ARC_CORRECTION segments, as Marlin does.
    """
    rx, ry = -offset[0], -offset[1]
    radius = math.hypot(rx, ry)
    cx, cy = start[0] - rx, start[1] - ry
    tx, ty = end[0] - cx, end[1] - cy
    if abs(start[0] - end[0]) <= _NEAR and abs(start[1] - end[1]) <= _NEAR:
        angle = -math.tau if clockwise else math.tau
        min_segments = MIN_CIRCLE_SEGMENTS
    else:
        angle = math.atan2(rx * ty - ry * tx, rx * tx + ry * ty)
        if angle == 0.0:
            return []
        if angle > 0.0 and clockwise:
            angle -= math.tau
        elif angle < 0.0 and not clockwise:
            angle += math.tau
        min_segments = math.ceil(MIN_CIRCLE_SEGMENTS * abs(angle) / math.tau)
    travel_z, travel_e = end[2] - start[2], end[3] - start[3]
    flat_mm = radius * abs(angle)
    if flat_mm < 0.0001 and travel_z < 0.0001:  # signed Z, as in Marlin
        return []
    segments = segment_count(flat_mm, min_segments)
    theta = angle / segments
    sin_t = theta - theta**3 / 6.0
    cos_t = 1.0 - 0.5 * theta**2
    points: list[Point] = []
    z, e = start[2], start[3]
    countdown = N_ARC_CORRECTION
    for index in range(1, segments):
        countdown -= 1
        if countdown:
            rx, ry = rx * cos_t - ry * sin_t, rx * sin_t + ry * cos_t
        else:
            countdown = N_ARC_CORRECTION
            cos_i, sin_i = math.cos(index * theta), math.sin(index * theta)
            rx = -offset[0] * cos_i + offset[1] * sin_i
            ry = -offset[0] * sin_i - offset[1] * cos_i
        z += travel_z / segments
        e += travel_e / segments
        points.append((cx + rx, cy + ry, z, e))
    points.append(end)
    return points

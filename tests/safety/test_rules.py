"""The watchdog's rules on their own: readings and times in, a trip (or none) out."""

from __future__ import annotations

from edge.config.gpio import SafetyConfig
from edge.safety.rules import HeaterWatch

CONFIG = SafetyConfig(heat_check_s=10, drift_s=2, stuck_s=5)


def run(readings: list[tuple[float, float, float]]) -> str | None:
    """Feed (time, temperature, target) readings; the rule of the first trip."""
    watch = HeaterWatch("hotend", CONFIG)
    for now, temp, target in readings:
        trip = watch.feed(temp, target, now)
        if trip is not None:
            return trip.rule
    return None


def test_a_normal_heat_up_hold_and_cool_down_never_trips() -> None:
    heating = [(t, min(25 + 20 * t, 200), 200.0) for t in range(12)]
    holding = [(12 + t, 200 + (t % 3 - 1) * 0.5, 200.0) for t in range(30)]
    cooling = [(42 + t, max(200 - 15 * t, 25), 0.0) for t in range(20)]
    assert run(heating + holding + cooling) is None


def test_no_rise_within_the_check_time_trips_not_heating() -> None:
    assert run([(t, 25.0 + 0.1 * t, 200.0) for t in range(15)]) == "not_heating"


def test_an_open_thermistor_trips_at_its_second_report() -> None:
    assert run([(0, 25.0, 0.0), (1, 25.0, 0.0), (2, -14.0, 0.0)]) is None
    assert run([(0, 25.0, 0.0), (1, 25.0, 0.0), (2, -14.0, 0.0), (3, -14.0, 0.0)]) == "impossible_reading"


def test_one_damaged_report_never_trips() -> None:
    # Digits a single flipped bit makes of another (the soak saw 25.0 read as 5.0, and the watchdog halt a print).
    for glitch in (5.0, 45.0, 625.0, -5.0):
        steady = [(t, 25.0, 0.0) for t in range(5)] + [(5, glitch, 0.0)] + [(6 + t, 25.0, 0.0) for t in range(5)]
        assert run(steady) is None, glitch
    holding = [(t, 200.0, 200.0) for t in range(5)] + [(5, 200.0, 0.0), (6, 600.0, 200.0)]
    assert run(holding + [(7 + t, 200.0, 200.0) for t in range(5)]) is None


def test_a_frozen_reading_far_from_the_target_trips_stuck() -> None:
    start = [(0, 25.0, 0.0), (1, 80.0, 200.0), (2, 85.0, 200.0)]
    assert run(start + [(2 + t, 90.0, 200.0) for t in range(1, 9)]) == "stuck_reading"


def test_rising_while_off_trips() -> None:
    assert run([(t, 25.0 + 3 * t, 0.0) for t in range(8)]) == "rising_while_off"


def test_drifting_from_a_reached_target_trips_after_drift_s() -> None:
    reached = [(t, 200.0 + t * 0.01, 200.0) for t in range(3)]
    falling = [(3 + t, 180.0 - t * 0.1, 200.0) for t in range(4)]
    assert run(reached + falling) == "drift"


def test_a_new_lower_target_is_not_a_drift() -> None:
    assert run([(0, 200.0, 200.0), (1, 200.0, 170.0)] + [(2 + t, 200.0 - 3 * t, 170.0) for t in range(10)]) is None

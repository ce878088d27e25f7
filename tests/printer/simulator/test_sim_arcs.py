"""G2/G3 arcs: cut into planner segments as Marlin 2.1 cuts them, buffered inside the command, then the ok."""

from __future__ import annotations

import asyncio

import pytest

from edge.gcode.text import frame
from tests.printer.simulator.conftest import Start


@pytest.mark.parametrize(
    ("command", "segments", "end"),
    [
        ("G2 X10 Y0 I5 J0", 36, (10.0, 0.0)),  # a half circle of 15.7 mm: MIN_CIRCLE_SEGMENTS wins (72 / 2)
        ("G3 X50 Y50 R50", 79, (50.0, 50.0)),  # a quarter of R50: 78 segments would be over 1 mm, so 79
        ("G2 I0.5", 31, (0.0, 0.0)),  # a full 3.1 mm circle: 72 would be under 0.1 mm, so 31
        ("G3 X0 Y0 I20", 126, (0.0, 0.0)),  # a full circle of R20 (125.7 mm)
    ],
)
async def test_arc_is_cut_into_marlins_number_of_segments_and_ends_at_its_end_point(
    start_printer: Start, command: str, segments: int, end: tuple[float, float]
) -> None:
    printer, host = await start_printer(time_scale=0.0)
    await host.handshake()
    host.send(1, command)
    assert await host.ok() == ["ok N1 P15 B3"]
    assert printer.stats.moves == segments
    assert (printer.position["x"], printer.position["y"]) == end


async def test_arc_moves_z_and_e_along_it_and_respects_relative_mode(start_printer: Start) -> None:
    printer, host = await start_printer(time_scale=0.0)
    await host.handshake()
    for number, command in enumerate(["G1 X5 Y5 Z0.2 E1", "G2 X15 Y5 Z0.4 I5 E3", "G91", "G3 X-10 I-5 E1"], 1):
        host.send(number, command)
        assert (await host.ok())[-1].startswith(f"ok N{number}")
    assert printer.position == {"x": 5.0, "y": 5.0, "z": 0.4, "e": 4.0}


async def test_arc_without_a_centre_is_refused_and_does_not_move(start_printer: Start) -> None:
    printer, host = await start_printer(time_scale=0.0)
    await host.handshake()
    host.send(1, "G2 X10 Y10")
    assert await host.ok() == ["Error:G2/G3 bad parameters", "ok N1 P15 B3"]
    assert printer.position["x"] == 0.0 and printer.stats.moves == 0


async def test_m115_reports_arc_support(start_printer: Start) -> None:
    _, host = await start_printer()
    await host.handshake()
    host.send(1, "M115")
    assert "Cap:ARCS:1" in await host.ok()


@pytest.mark.parametrize("advanced_ok", [True, False])
async def test_ok_comes_after_the_last_segment_is_buffered_and_before_the_next_command(
    start_printer: Start, advanced_ok: bool
) -> None:
    printer, host = await start_printer(time_scale=1.0, advanced_ok=advanced_ok)
    await host.handshake()
    loop = asyncio.get_running_loop()
    # 36 segments of 0.87 mm at 20 mm/s (43.6 ms each); 15 fit the planner, 21 wait for a slot each.
    host.send(1, "G2 X20 Y0 I10 J0 F1200")
    host.send(2, "G1 X0 Y0")
    sent = loop.time()
    first_at, first = await host.timed_line()
    second_at, second = await host.timed_line()
    segment_s = 31.4159 / 36 / 20.0
    assert (first, second) == (("ok N1 P0 B3", "ok N2 P0 B3") if advanced_ok else ("ok", "ok"))
    assert first_at - sent == pytest.approx(21 * segment_s, abs=0.05)
    assert second_at - first_at == pytest.approx(segment_s, abs=0.03)
    assert printer.stats.moves == 37
    assert printer.position == {"x": 0.0, "y": 0.0, "z": 0.0, "e": 0.0}


async def test_firmware_reads_no_serial_while_an_arc_waits_for_planner_slots(start_printer: Start) -> None:
    printer, host = await start_printer(time_scale=1.0, rx_buffer=128)
    await host.handshake()
    host.send(1, "G2 X20 Y0 I10 J0 F1200")  # about 0.9 s of waiting for slots
    await asyncio.sleep(0.1)
    burst = b"".join(frame(number, f"M117 waiting {number}") for number in range(2, 12))
    host.write(burst)
    assert await host.ok() == ["ok N1 P0 B3"]
    assert printer.stats.rx_overflows == len(burst) - 128

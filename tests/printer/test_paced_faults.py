"""A windowed link on a paced, noisy wire: 250000 baud, 2 ms latency, 0.1% of bytes damaged each way.

The 100,000-line test at 1% corruption spends almost all its time in ping-pong, so it cannot see what a
window risks. Here errors are rare enough for the window to open, and every line error with bytes in
flight can leave the tail of a cut line to run outside the sequence.
"""

from __future__ import annotations

import asyncio
import math
import signal
import sys
from pathlib import Path

import pytest

from edge.config.schema import JobsConfig, PrinterConfig
from edge.core.events import EventBus, FragmentDetected
from edge.printer.link import PrinterLink
from edge.printer.outcome import MemoryObserver, RunResult
from edge.printer.runner import JobRunner

LINES = 20_000
RATE = 0.001


def curves(path: Path) -> list[str]:
    commands = ["G28", "G90", "M83"]
    commands += [
        f"G1 X{100 + 40 * math.cos(i / 100):.3f} Y{100 + 40 * math.sin(i / 100):.3f} E{0.0166 + i % 7 / 10000:.5f}"
        for i in range(LINES)
    ]
    path.write_text("\n".join(commands) + "\n")
    return commands


def read_log(path: Path) -> list[tuple[int | None, str, set[str]]]:
    entries = []
    for raw in path.read_text(errors="replace").splitlines():
        text, *marks = raw.split("\t#")
        number, _, command = text.partition(" ")
        entries.append((None if number == "-" else int(number), command, set(marks)))
    return entries


@pytest.mark.slow
async def test_windowed_streaming_on_a_paced_noisy_wire_runs_every_line_once_and_reports_fragments(
    tmp_path: Path,
) -> None:
    gcode = tmp_path / "curves.gcode"
    expected = curves(gcode)
    link_path, log_path = tmp_path / "printer", tmp_path / "executed.log"
    sim = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "edge.cli", "simulate", "--link", str(link_path), "--baud", "250000"],
        *["--latency-ms", "2", "--time-scale", "0", "--advanced-ok", "--fault-rate", str(RATE), "--seed", "2027"],
        *["--executed-log", str(log_path)],
        stdout=asyncio.subprocess.DEVNULL,
    )
    bus = EventBus()
    reports = bus.subscribe(FragmentDetected, maxsize=100_000)
    try:
        for _ in range(200):
            if link_path.exists():
                break
            await asyncio.sleep(0.05)
        link = PrinterLink(PrinterConfig(), bus, port=str(link_path))
        await link.connect()
        runner = JobRunner(link, bus, MemoryObserver(), JobsConfig())
        outcome = await runner.run(1, gcode, lines_total=len(expected))
        stats = link.stats
        await link.disconnect()
    finally:
        sim.send_signal(signal.SIGTERM)
        await asyncio.wait_for(sim.wait(), 30)
    assert outcome.result is RunResult.COMPLETED
    entries = read_log(log_path)
    numbered = [(n, c, marks) for n, c, marks in entries if n is not None]
    start = next(i for i, (_, c, _) in enumerate(numbered) if c == "G28")
    end = next(i for i in range(start, len(numbered)) if numbered[i][1] == "M400")
    run = [entry for entry in numbered[start:end] if not entry[1].startswith("M110")]
    # Two flips of the same bit pass the XOR checksum (here, in a line number): such a damaged line ran
    # under a number the host then sent again intact. Those are the checksum's misses, counted apart.
    later_intact = {n for n, _, marks in run if "corrupted" not in marks}
    misnumbered = [(n, c) for n, c, marks in run if "corrupted" in marks and n in later_intact]
    job = [(n, c, marks) for n, c, marks in run if not ("corrupted" in marks and n in later_intact)]
    first = job[0][0]
    assert first is not None
    assert [n for n, _, _ in job] == list(range(first, first + len(expected))), "every line exactly once, in order"
    assert all(c == want for (_, c, marks), want in zip(job, expected, strict=True) if "corrupted" not in marks)

    unnumbered = [(c, marks) for n, c, marks in entries if n is None]
    intact_ran = [c for c, marks in unnumbered if not marks & {"fragment", "corrupted", "unknown"}]
    assert intact_ran == [], "no intact unnumbered line ran: the host never sends unnumbered lines"
    fragments_ran = [c for c, marks in unnumbered if "fragment" in marks and "unknown" not in marks]
    # A line whose leading N was hit runs without a number only if the flip turned 'N' (0x4E) into 'n'
    # (0x6E, bit 5 of 8), which the simulator's case-insensitive parser still takes for a line number;
    # every other flip of it makes an unknown command. The expected count is transmissions x RATE / 8;
    # Poisson's tail puts more than mean + 5 sqrt(mean) + 3 beyond one chance in a million.
    n_hits = [
        c for c, marks in unnumbered if "corrupted" in marks and "fragment" not in marks and "unknown" not in marks
    ]
    mean = stats.transmissions * RATE / 8
    assert len(n_hits) <= mean + 5 * math.sqrt(mean) + 3, (len(n_hits), mean)

    # Fragments that ran are seen through ADVANCED_OK (an ok without N after no Unknown command) and reported
    # with the lines they could have come from; a damaged reply can hide one, never invent one.
    assert stats.fragments <= len(fragments_ran) + len(n_hits)
    assert len(runner.fragments) == stats.fragments + stats.fragments_unknown
    published = []
    while (event := reports.get_nowait()) is not None:
        published.append(event)
    assert len(published) == len(runner.fragments)
    assert all(isinstance(e, FragmentDetected) and e.job_id == 1 for e in published)
    print(
        f"\ntransmissions {stats.transmissions}, resends {stats.retransmissions}, line errors {stats.line_errors}, "
        f"fallbacks {stats.fallbacks}, probes {stats.probes}, timeouts {stats.timeouts}, checksum misses "
        f"{len(misnumbered)} misnumbered, fragments ran {len(fragments_ran)} (detected {stats.fragments}), "
        f"unknown fragments {sum(1 for c, m in unnumbered if 'fragment' in m and 'unknown' in m)}, "
        f"N hits {len(n_hits)} (mean {mean:.1f})"
    )

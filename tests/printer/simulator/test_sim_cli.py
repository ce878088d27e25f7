"""`printedge simulate` passes its stall, planner, emergency-parser and memory options to the virtual printer."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

from tests.printer.simulator.simhost import Host


async def test_simulate_command_applies_the_new_options(tmp_path: Path) -> None:
    link, stats_file, log = tmp_path / "printer", tmp_path / "stats.json", tmp_path / "executed.log"
    sim = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "edge.cli", "simulate", "--link", str(link), "--advanced-ok"],
        *["--planner-buffer", "8", "--command-time-ms", "1", "--blocking-replies", "--stall-every-ms", "50"],
        *["--stall-ms", "5", "--no-emergency-parser", "--executed-memory", "10", "--time-scale", "1"],
        *["--executed-log", str(log), "--stats-file", str(stats_file)],
        stdout=asyncio.subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            if link.exists():
                break
            await asyncio.sleep(0.05)
        host = await Host.open(str(link))
        try:
            await host.handshake()
            host.send(1, "M115")
            assert "Cap:EMERGENCY_PARSER:0" in await host.ok()
            host.send(2, "G1 X100 F600")  # ten seconds: it stays in the planner
            assert await host.ok() == ["ok N2 P6 B3"]  # 8 blocks, one kept free
        finally:
            await host.close()
    finally:
        sim.send_signal(signal.SIGTERM)
        await asyncio.wait_for(sim.wait(), 10)
    stats = json.loads(stats_file.read_text())
    assert stats["stalls"] > 0 and stats["stall_time_s"] > 0.0
    assert len(log.read_text().splitlines()) == 3

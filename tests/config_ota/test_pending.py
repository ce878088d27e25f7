"""A config pushed during a print waits (pending) until the print ends, and the print never stutters."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from edge.app import Appliance
from edge.control.caller import Caller, CallerKind
from edge.telemetry.signing import OperatorKey
from tests.config_ota.helpers import device_id, mqtt_file, ota_appliance, push, reported, signed, trusting
from tests.telemetry.broker import Broker, subscriber
from tests.telemetry.fleet_helpers import wait_for_job_state


async def short_print(app: Appliance, tmp_path: Path) -> int:
    """A print of a few seconds at the test's time scale: small moves that keep the planner busy."""
    lines = ["G28", "G90", "M83", ";LAYER_CHANGE", ";Z:0.2", "G1 Z0.2 F600"]
    lines += [f"G1 X{10 + (i % 2) * 10} Y{10 + i % 50} E0.2 F60" for i in range(300)]
    path = tmp_path / "short.gcode"
    path.write_text("\n".join(lines) + "\n")
    return (await app.services.files.add_path("short.gcode", path)).id


async def test_a_push_during_a_print_stays_pending_until_the_print_ends(
    tmp_path: Path, broker: Broker, operator: OperatorKey
) -> None:
    sub = await subscriber(broker.port, topic_filter="printedge/+/config/reported")
    file = mqtt_file(broker.url) | {"ota": {"idle_poll_s": 0.1}}
    async with ota_appliance(tmp_path / "data", file, **trusting(operator, simulator__time_scale="0.001")) as app:
        ident = device_id(app)
        await sub.wait_for(lambda s: reported(s, ident) is not None, what="a first report")
        job = await app.services.control.start_job(Caller(CallerKind.CLI, "tests"), await short_print(app, tmp_path))
        await wait_for_job_state(app, job.id, "printing")
        assert app.simulator is not None
        # The virtual printer counts one underrun as a job's first moves start (a resend at the job's start,
        # without OTA too); what matters is that none happens while the document waits and is applied.
        await asyncio.sleep(0.3)
        underruns = app.simulator.stats.underruns
        await asyncio.to_thread(push, broker.url, signed(operator, 2, {"audit": {"max_entries": 700}}), device=ident)
        await sub.wait_for(lambda s: (reported(s, ident) or {}).get("status") == "pending", what="pending")
        assert "a print is running" in reported(sub, ident)["message"]
        assert app.manager.printing and app.config.audit.max_entries != 700
        assert (await app.ota.audit.list())[0].status == "pending"
        await wait_for_job_state(app, job.id, "completed", within=60)
        finished = time.time()
        await sub.wait_for(lambda s: (reported(s, ident) or {}).get("status") == "applied", what="applied")
        report = reported(sub, ident)
        assert report["version"] == 2 and report["at"] >= finished - 0.5
        assert app.config.audit.max_entries == 700
        assert app.simulator.stats.underruns == underruns
    sub.stop()

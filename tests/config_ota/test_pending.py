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


async def test_a_manual_command_running_on_the_printer_holds_the_update_until_it_is_done(tmp_path: Path) -> None:
    key = OperatorKey.generate("ops")
    async with ota_appliance(tmp_path / "data", {"ota": {"idle_poll_s": 0.05}}, **trusting(key)) as app:
        # A dwell of 3,000 s at the test's time scale (0.001): the printer is busy for about 3 s.
        dwell = asyncio.create_task(app.services.control.send_gcode(Caller(CallerKind.CLI, "tests"), ["G4 S3000"]))
        for _ in range(100):
            if app.services.control.operation() is not None:
                break
            await asyncio.sleep(0.01)
        report = await app.ota.submit("api", signed(key, 1, {"audit": {"max_entries": 700}}))
        assert report.status.value == "pending" and "'G4 S3000'" in report.message, report
        assert app.config.audit.max_entries != 700 and not dwell.done()
        assert await dwell == 1
        for _ in range(100):
            if app.ota.report.status.value == "applied":
                break
            await asyncio.sleep(0.05)
        assert (app.ota.report.status.value, app.config.audit.max_entries) == ("applied", 700)

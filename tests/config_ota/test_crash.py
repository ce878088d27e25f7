"""Kill the process at each step of applying a config: the next start runs the old config or the new one, never a mix."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from edge.config.lkg import DIE_AT_ENV, DIE_EXIT_CODE
from edge.ota.topics import fleet_desired_topic
from edge.telemetry.signing import OperatorKey
from tests.config_ota.helpers import push, signed
from tests.telemetry.broker import Broker, Subscriber, subscriber
from tests.web.conftest import appliance_env

ROOT = Path(__file__).resolve().parents[2]
NEW = {"audit": {"max_entries": 600}, "mqtt": {"health_interval_s": 30.0}}
# Where the process dies, and whether the new config is the one running after the restart.
STEPS = {
    "lkg_written": False,
    "trial_recorded": False,
    "applied_written": False,
    "reconfigured": False,
    "committed": True,
}


def spawn(data_dir: Path, broker: Broker, operator: OperatorKey, die_at: str | None) -> subprocess.Popen[bytes]:
    """`python -m edge.cli run` on the data dir, publishing to the broker."""
    env = dict(os.environ) | appliance_env(data_dir)
    env |= {"PRINTEDGE_MQTT__URL": broker.url, "PRINTEDGE_FLEET__TRUSTED_KEYS": f'["{operator.trusted_line()}"]'}
    env.pop(DIE_AT_ENV, None)
    if die_at is not None:
        env[DIE_AT_ENV] = die_at
    return subprocess.Popen(
        [sys.executable, "-m", "edge.cli", "run"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def clear_retained(broker: Broker) -> None:
    """Remove the retained desired document, so a restart does not take it again."""
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    client = paho.Client(CallbackAPIVersion.VERSION2)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    client.publish(fleet_desired_topic("printedge"), b"", qos=1, retain=True).wait_for_publish(5)
    client.disconnect()
    client.loop_stop()


def report_after(sub: Subscriber, since: float) -> dict[str, object] | None:
    """The newest config report received after `since` (the retained one from before arrived earlier)."""
    found = [m.json() for m in sub.messages if m.topic.endswith("/config/reported") and m.at > since and not m.retain]
    return found[-1] if found else None


@pytest.mark.parametrize("step", list(STEPS))
async def test_a_crash_at_each_step_leaves_the_old_or_the_new_config(
    tmp_path: Path, broker: Broker, operator: OperatorKey, step: str
) -> None:
    data = tmp_path / "data"
    await asyncio.to_thread(push, broker.url, signed(operator, 1, NEW))
    process = spawn(data, broker, operator, step)
    try:
        code = await asyncio.to_thread(process.wait, 60)
    finally:
        if process.poll() is None:
            process.kill()
    assert code == DIE_EXIT_CODE, process.stderr.read().decode()[-2000:] if process.stderr else code
    await asyncio.to_thread(clear_retained, broker)
    sub = await subscriber(broker.port, topic_filter="printedge/+/config/reported")
    restarted = time.time()
    process = spawn(data, broker, operator, None)
    try:
        await sub.wait_for(
            lambda s: report_after(s, restarted) is not None, within=30, what="a report after the restart"
        )
        report = report_after(sub, restarted)
        assert report is not None
        folder = data / "config"
        applied = yaml.safe_load((folder / "applied.yaml").read_text()) if (folder / "applied.yaml").exists() else {}
        state = yaml.safe_load((folder / "state.json").read_text()) if (folder / "state.json").exists() else {}
        if STEPS[step]:
            assert (report["version"], report["status"]) == (1, "applied"), report
            assert applied == NEW
        else:
            assert report["version"] == 0, report
            assert applied in ({}, None)
            if step != "lkg_written":
                assert report["status"] == "rolled_back" and report["reason"] == "not_committed", report
        assert (state or {}).get("trial") is None
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(process.wait, 30)
        except subprocess.TimeoutExpired:
            process.kill()
        sub.stop()

"""MQTT benchmarks: bytes and messages per device (idle, printing), bus-to-subscriber latency, 200 devices on one broker."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import curves_file
from edge.app import Appliance
from edge.config.loader import load_config
from edge.config.schema import MqttConfig
from edge.control.caller import Caller, CallerKind
from edge.core.events import EventBus, JobStateChanged, TemperatureReport
from edge.store.db import Database
from edge.telemetry.component import TelemetryComponent, TelemetrySources

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
DEVICES = 200
WINDOW_S = 10.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mosquitto:
    """mosquitto on a free loopback port."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        conf = workdir / "mosquitto.conf"
        user = ["user root"] if os.geteuid() == 0 else []
        conf.write_text("\n".join([*user, f"listener {self.port} 127.0.0.1", "allow_anonymous true", ""]))
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    @property
    def url(self) -> str:
        """mqtt:// URL."""
        return f"mqtt://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Terminate it."""
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)


class Counter:
    """A subscriber on its own thread that counts messages and bytes, and times events stamped by the bench."""

    def __init__(self, port: int) -> None:
        self.lock = threading.Lock()
        self.messages = 0
        self.bytes = 0
        self.latencies: list[float] = []
        self.client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv311)
        self.client.on_connect = lambda client, *_: client.subscribe("printedge/#", 1)
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_message(self, _client: paho.Client, _userdata: Any, message: paho.MQTTMessage) -> None:
        now = time.time()
        with self.lock:
            self.messages += 1
            self.bytes += len(message.payload) + len(message.topic)
            if message.topic.endswith("/events"):
                detail = json.loads(message.payload).get("data", {}).get("detail", "")
                if detail.startswith("bench:"):
                    self.latencies.append(now - float(detail[6:]))

    def snapshot(self) -> tuple[int, int]:
        """Messages and bytes so far."""
        with self.lock:
            return self.messages, self.bytes

    def stop(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()


async def rate(counter: Counter, seconds: float) -> dict[str, float]:
    """Messages and bytes per second seen by the counter over a window."""
    m0, b0 = counter.snapshot()
    await asyncio.sleep(seconds)
    m1, b1 = counter.snapshot()
    return {"messages_per_s": round((m1 - m0) / seconds, 2), "bytes_per_s": round((b1 - b0) / seconds, 1)}


def percentiles(values: list[float]) -> dict[str, float]:
    """Median and p95 in milliseconds."""
    if not values:
        return {"median_ms": float("nan"), "p95_ms": float("nan"), "samples": 0}
    ordered = sorted(values)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 2),
        "samples": len(ordered),
    }


async def one_device(work: Path, broker: Mosquitto) -> dict[str, object]:
    """The whole appliance with default MQTT settings: traffic idle and printing, and event latency."""
    env = {
        "PRINTEDGE_DEVICE__DATA_DIR": str(work / "data"),
        "PRINTEDGE_API__PORT": "0",
        "PRINTEDGE_MQTT__URL": broker.url,
        "PRINTEDGE_LOG_LEVEL": "WARNING",
    }
    app = Appliance(load_config(env=env))
    counter = await asyncio.to_thread(Counter, broker.port)
    await app.start()
    try:
        await asyncio.sleep(3.0)  # connect, retained announcements
        idle = await rate(counter, WINDOW_S)
        stored = await app.services.files.add_path("curves.gcode", curves_file(work / "curves.gcode", 4000))
        await app.services.control.start_job(Caller(CallerKind.CLI, "bench"), stored.id)
        await asyncio.sleep(1.0)
        printing = await rate(counter, WINDOW_S)
        for _ in range(100):
            app.services.bus.publish(JobStateChanged(job_id=999999, state="queued", detail=f"bench:{time.time()!r}"))
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)
        latency = percentiles(counter.latencies)
    finally:
        await app.stop()
        counter.stop()
    return {"idle": idle, "printing": printing, "event_bus_to_subscriber": latency}


async def fleet(work: Path, broker: Mosquitto, devices: int) -> dict[str, object]:
    """`devices` real telemetry components in one process, each with its own id, database and synthetic bus."""
    config = MqttConfig(url=broker.url)
    counter = await asyncio.to_thread(Counter, broker.port)
    buses, components, databases = [], [], []
    for index in range(devices):
        bus = EventBus()
        db = Database(work / f"device-{index}.db")
        await db.open()
        temps: dict[str, object] = {"hotend": 200.0}
        component = TelemetryComponent(
            config,
            TelemetrySources(
                bus=bus,
                device_id=lambda i=index: f"pe-bench{i:05d}",
                state=lambda t=temps: {"printer": {"state": "printing", "temperatures": dict(t)}, "jobs": {}},
                health=lambda: {"mqtt": {"ok": True, "detail": ""}},
                data_dir=work,
            ),
            db,
        )
        await component.start()
        buses.append((bus, temps))
        components.append(component)
        databases.append(db)
    connected_at = time.monotonic()
    while sum(c.link is not None and c.link.connected for c in components) < devices:
        if time.monotonic() - connected_at > 60:
            break
        await asyncio.sleep(0.1)
    connect_s = time.monotonic() - connected_at
    stop = asyncio.Event()

    async def drive() -> None:
        """Each device: a temperature change every second, a job event every 10 s (spread over the devices)."""
        tick = 0
        while not stop.is_set():
            for index, (bus, temps) in enumerate(buses):
                hotend = 200.0 + (tick + index) % 7
                temps["hotend"] = hotend
                bus.publish(TemperatureReport(hotend=hotend, hotend_target=200.0, bed=60.0, bed_target=60.0))
                if (tick + index) % 10 == 0:
                    bus.publish(JobStateChanged(job_id=tick, state="queued", detail=f"bench:{time.time()!r}"))
            tick += 1
            await asyncio.sleep(1.0)

    driver = asyncio.create_task(drive())
    await asyncio.sleep(3.0)
    counter.latencies.clear()
    window = await rate(counter, 20.0)
    latency = percentiles(counter.latencies)
    stop.set()
    await driver
    # Per device: 1 state per second (temperature changes; state_max_rate_hz 2), 1 event per 10 s, telemetry per 10 s.
    expected = devices * (1.0 + 0.1 + 1.0 / config.telemetry_interval_s)
    for component in components:
        await component.stop()
    for db in databases:
        await db.close()
    counter.stop()
    return {
        "devices": devices,
        "all_connected_in_s": round(connect_s, 2),
        "connected": sum(1 for c in components if c.link is not None and c.link.connects > 0),
        "expected_messages_per_s": round(expected, 1),
        **window,
        "event_bus_to_subscriber": latency,
    }


async def main() -> dict[str, object]:
    """All MQTT figures."""
    if not os.path.exists(MOSQUITTO):  # noqa: ASYNC240 - once, before anything runs
        return {"skipped": "mosquitto is not installed (apt-get install mosquitto)"}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        broker = Mosquitto(work)
        try:
            (work / "one").mkdir()
            single = await one_device(work / "one", broker)
            (work / "fleet").mkdir()
            many = await fleet(work / "fleet", broker, DEVICES)
        finally:
            broker.stop()
    return {"per_device": single, "fleet_one_broker": many}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), indent=2))

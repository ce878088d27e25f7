"""OTA config benchmarks: publish to `applied` on an idle device (reloads and in-process restarts), and a rollback."""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import yaml
from paho.mqtt.enums import CallbackAPIVersion

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_mqtt import Mosquitto, free_port
from edge.app import Appliance
from edge.config.loader import load_layers
from edge.config.ota_document import SCHEMA, content_hash
from edge.telemetry.signing import OperatorKey

RUNS = 5


class Reports:
    """A paho client that records config/reported payloads with their arrival time and publishes documents."""

    def __init__(self, port: int) -> None:
        self.seen: list[tuple[float, dict[str, Any]]] = []
        self.lock = threading.Lock()
        self.client = paho.Client(CallbackAPIVersion.VERSION2)
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.subscribe("printedge/+/config/reported", 1)
        self.client.loop_start()

    def _on_message(self, _c: paho.Client, _u: object, message: paho.MQTTMessage) -> None:
        with self.lock:
            self.seen.append((time.perf_counter(), json.loads(message.payload)))

    def publish(self, topic: str, payload: bytes) -> float:
        """Publish retained; the time just before."""
        start = time.perf_counter()
        self.client.publish(topic, payload, qos=1, retain=True)
        return start

    async def wait(self, version: int, status: str, since: float, within: float = 60.0) -> float:
        """Seconds from `since` to the report of `status` for `version` (desired)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            with self.lock:
                for at, body in self.seen:
                    if at >= since and body.get("desired") == version and body.get("status") == status:
                        return at - since
            await asyncio.sleep(0.002)
        raise TimeoutError(f"no {status} report for version {version} within {within} s")


def document(key: OperatorKey, version: int, content: dict[str, Any]) -> bytes:
    """A signed fleet document."""
    body = {"schema": SCHEMA, "version": version, "device": "*", "kind": "full", "content": content}
    body["sha256"] = content_hash(content, {})
    return json.dumps(key.sign(body)).encode()


async def main() -> dict[str, object]:
    """Median publish-to-report times over RUNS documents of each kind."""
    key = OperatorKey.generate("bench")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        broker = Mosquitto(work)
        reports = Reports(broker.port)
        url = f"mqtt://127.0.0.1:{broker.port}"
        config_file = work / "config.yaml"
        config_file.write_text(
            yaml.safe_dump({"mqtt": {"url": url, "reconnect_min_backoff_s": 0.1, "reconnect_max_backoff_s": 1}})
        )
        env = {
            "PRINTEDGE_DEVICE__DATA_DIR": str(work / "data"),
            "PRINTEDGE_API__PORT": "0",
            "PRINTEDGE_DISCOVERY__ENABLED": "false",
            "PRINTEDGE_FLEET__TRUSTED_KEYS": json.dumps([key.trusted_line()]),
        }
        layers = load_layers(config_file, env=env)
        app = Appliance(layers.boot(), layers)
        await app.start()
        topic = "printedge/fleet/config/desired"
        figures: dict[str, list[float]] = {
            "applied_no_restart_s": [],
            "applied_mqtt_restart_s": [],
            "applied_printer_restart_s": [],
            "applied_web_rebind_s": [],
            "rollback_s": [],
        }
        try:
            await asyncio.sleep(1.0)
            version = 0
            for run in range(RUNS):
                version += 1
                since = reports.publish(topic, document(key, version, {"audit": {"max_entries": 1000 + run}}))
                figures["applied_no_restart_s"].append(await reports.wait(version, "applied", since))
            for run in range(RUNS):
                version += 1
                content = {"mqtt": {"url": url, "telemetry_interval_s": 5.0 + run}}
                since = reports.publish(topic, document(key, version, content))
                figures["applied_mqtt_restart_s"].append(await reports.wait(version, "applied", since))
            for run in range(RUNS):  # the virtual printer is rebuilt and the link reconnects (health: ready)
                version += 1
                since = reports.publish(topic, document(key, version, {"simulator": {"latency_ms": 2.0 + run / 10}}))
                figures["applied_printer_restart_s"].append(await reports.wait(version, "applied", since))
            for run in range(RUNS):  # the web server listens on another address, mDNS follows
                version += 1
                content = {"api": {"host": ("127.0.0.1", "::")[run % 2]}}
                since = reports.publish(topic, document(key, version, content))
                figures["applied_web_rebind_s"].append(await reports.wait(version, "applied", since))
            deadline = 1.0
            for _ in range(3):
                version += 1
                content = {"mqtt": {"url": f"mqtt://127.0.0.1:{free_port()}"}, "ota": {"health_deadline_s": deadline}}
                since = reports.publish(topic, document(key, version, content))
                figures["rollback_s"].append(await reports.wait(version, "rolled_back", since))
        finally:
            await app.stop()
            reports.client.loop_stop()
            reports.client.disconnect()
            broker.stop()
    result: dict[str, object] = {name: round(statistics.median(values), 4) for name, values in figures.items()}
    result["rollback_health_deadline_s"] = deadline
    result["rollback_beyond_deadline_s"] = round(statistics.median(figures["rollback_s"]) - deadline, 4)
    result["runs"] = RUNS
    return result


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), indent=2))

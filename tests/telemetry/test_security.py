"""Brokers that ask for a password or speak TLS; a wrong password never stops the appliance."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from edge.config.broker_url import parse_broker_url
from edge.config.loader import load_config
from edge.core.errors import ConfigError
from tests.telemetry.broker import MOSQUITTO_PASSWD, Broker, free_port, require_mosquitto, subscriber
from tests.telemetry.certificates import make_ca_and_server_cert, make_client_cert
from tests.telemetry.conftest import mqtt_appliance, validate
from tests.web.conftest import client
from tests.web.web_helpers import SMALL_PRINT, get_json, start_job, upload, wait_for_job


def password_broker(tmp_path: Path) -> Broker:
    """A broker that lets only printer/s3cret in on its main port (subscribers use a plain anonymous one)."""
    require_mosquitto()
    workdir = tmp_path / "broker"
    workdir.mkdir()
    passwords = workdir / "passwords"
    subprocess.run([MOSQUITTO_PASSWD, "-b", "-c", str(passwords), "printer", "s3cret"], check=True)
    passwords.chmod(0o600)
    return Broker(workdir, password_file=passwords, plain_port=free_port())


@pytest.mark.parametrize("protocol", ["5", "3.1.1"])
async def test_user_and_password_from_the_url_are_accepted(tmp_path: Path, protocol: str) -> None:
    broker = password_broker(tmp_path)
    await broker.start()
    sub = await subscriber(broker.subscriber_port)
    try:
        url = f"mqtt://printer:s3cret@127.0.0.1:{broker.port}"
        async with mqtt_appliance(tmp_path / "data", url, mqtt__protocol=protocol) as app:
            await sub.wait_for(lambda s: bool(s.on("health")), what="health from an authenticated client")
            assert app.telemetry.health().ok
            validate("status", sub.last_json("status"))
            assert "s3cret" not in str(app.telemetry.status())
    finally:
        sub.stop()
        broker.stop()


async def test_a_wrong_password_makes_mqtt_unhealthy_and_the_appliance_still_prints(tmp_path: Path) -> None:
    broker = password_broker(tmp_path)
    await broker.start()
    try:
        url = f"mqtt://printer:wrong@127.0.0.1:{broker.port}"
        async with mqtt_appliance(tmp_path / "data", url) as app, client(app) as api:
            health = await get_json(api, "/api/v1/health")
            for _ in range(100):
                if "refused" in health["components"]["mqtt"]["detail"]:
                    break
                health = await get_json(api, "/api/v1/health")
            mqtt = health["components"]["mqtt"]
            assert mqtt["ok"] is False
            assert "Not authorized" in mqtt["detail"] or "Bad user name or password" in mqtt["detail"], mqtt
            assert "mqtt.url" in mqtt["detail"] and "wrong" not in mqtt["detail"]
            stored = await upload(api, "small.gcode", SMALL_PRINT)
            job = await start_job(api, stored["id"])
            await wait_for_job(api, job["id"], "completed")
    finally:
        broker.stop()


async def test_tls_with_the_ca_file(tmp_path: Path) -> None:
    require_mosquitto()
    cafile, certfile, keyfile = make_ca_and_server_cert(tmp_path / "pki")
    workdir = tmp_path / "broker"
    workdir.mkdir()
    broker = Broker(workdir, tls=(cafile, certfile, keyfile), plain_port=free_port())
    await broker.start()
    sub = await subscriber(broker.subscriber_port)
    try:
        assert broker.url.startswith("mqtts://")
        async with mqtt_appliance(tmp_path / "data", broker.url, mqtt__ca_file=str(cafile)) as app:
            await sub.wait_for(lambda s: bool(s.on("state")), what="state over TLS")
            assert app.telemetry.health().ok, app.telemetry.health()
    finally:
        sub.stop()
        broker.stop()


async def test_tls_with_a_client_certificate_the_broker_requires(tmp_path: Path) -> None:
    require_mosquitto()
    cafile, certfile, keyfile = make_ca_and_server_cert(tmp_path / "pki")
    client_cert, client_key = make_client_cert(tmp_path / "pki")
    workdir = tmp_path / "broker"
    workdir.mkdir()
    broker = Broker(workdir, tls=(cafile, certfile, keyfile), require_certificate=True, plain_port=free_port())
    await broker.start()
    sub = await subscriber(broker.subscriber_port)
    try:
        settings = {
            "mqtt__ca_file": str(cafile),
            "mqtt__cert_file": str(client_cert),
            "mqtt__key_file": str(client_key),
        }
        async with mqtt_appliance(tmp_path / "data", broker.url, **settings) as app:
            await sub.wait_for(lambda s: bool(s.on("state")), what="state over TLS with a client certificate")
            assert app.telemetry.health().ok, app.telemetry.health()
        # Without the certificate the broker turns the device away, and the device says so.
        async with mqtt_appliance(tmp_path / "data2", broker.url, mqtt__ca_file=str(cafile)) as app:
            for _ in range(100):
                if app.telemetry.link is not None and app.telemetry.link.failures:
                    break
                await asyncio.sleep(0.05)
            assert not app.telemetry.health().ok, app.telemetry.health()
    finally:
        sub.stop()
        broker.stop()


async def test_tls_with_an_unknown_ca_is_unhealthy_with_a_clear_message(tmp_path: Path) -> None:
    require_mosquitto()
    cafile, certfile, keyfile = make_ca_and_server_cert(tmp_path / "pki")
    other_ca, _, _ = make_ca_and_server_cert(tmp_path / "other")
    workdir = tmp_path / "broker"
    workdir.mkdir()
    broker = Broker(workdir, tls=(cafile, certfile, keyfile))
    await broker.start()
    try:
        async with mqtt_appliance(tmp_path / "data", broker.url, mqtt__ca_file=str(other_ca)) as app:
            for _ in range(100):
                if app.telemetry.link is not None and app.telemetry.link.failures:
                    break
                await asyncio.sleep(0.05)
            health = app.telemetry.health()
            assert not health.ok and "TLS" in health.detail and "mqtt.ca_file" in health.detail, health
    finally:
        broker.stop()


@pytest.mark.parametrize("url", ["http://broker:1883", "tcp://broker", "broker.local:1883", "mqtt://"])
def test_a_bad_broker_url_is_a_config_error_naming_the_value(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(env={"PRINTEDGE_MQTT__URL": url})
    assert caught.value.path == "mqtt.url" and repr(url) in caught.value.message


def test_the_url_carries_credentials_and_transport_and_errors_hide_the_password() -> None:
    broker = parse_broker_url("wss://fleet:p%40ss@broker.example:8884/ws")
    assert (broker.username, broker.password, broker.transport, broker.tls) == ("fleet", "p@ss", "websockets", True)
    assert broker.path == "/ws" and "p%40ss" not in broker.redacted() and "p@ss" not in broker.redacted()
    assert parse_broker_url("mqtts://h").port == 8883
    with pytest.raises(ConfigError) as caught:
        parse_broker_url("http://user:secret@broker")
    assert "secret" not in caught.value.message

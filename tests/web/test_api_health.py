"""Detailed health, one component's health, Prometheus metrics, the device's URLs and QR code, Pi warnings."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

import edge
from edge.app import Appliance
from edge.core.events import HostWarning
from tests.web.auth_helpers import anonymous
from tests.web.conftest import client, started
from tests.web.web_helpers import SMALL_PRINT, error_of, get_json, slow_print, start_job, upload, wait_for_job


async def scrape(api: aiohttp.ClientSession) -> dict[str, list[Sample]]:
    """/metrics parsed by prometheus-client: the samples of each family by family name."""
    async with api.get("/metrics") as response:
        assert response.status == 200, await response.text()
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = await response.text()
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def value(samples: list[Sample], **labels: str) -> float:
    """The one sample with these labels."""
    found = [s.value for s in samples if all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(found) == 1, (labels, samples)
    return found[0]


def fake_vcgencmd(folder: Path, raw: int) -> Path:
    """A script that answers like `vcgencmd get_throttled` with this bit field."""
    script = folder / "vcgencmd"
    script.write_text(f"#!/bin/sh\necho throttled=0x{raw:x}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


async def test_detailed_health_has_components_checks_and_the_host(ready_api: aiohttp.ClientSession) -> None:
    report = await get_json(ready_api, "/health/detailed")
    assert report["ok"] is True
    assert {"store", "printer", "web", "discovery", "host", "disk", "slicer"} <= set(report["components"])
    assert report["components"]["disk"]["ok"] is True and "MB free" in report["components"]["disk"]["detail"]
    system = report["system"]
    assert 0.0 <= system["cpu_ratio"] <= 1.0
    assert 0 < system["memory_available_bytes"] <= system["memory_total_bytes"]
    assert 0 < system["disk_free_bytes"] <= system["disk_total_bytes"]
    assert system["process_resident_bytes"] > 10 * 1024 * 1024
    assert len(system["load_average"]) == 3


async def test_one_component_by_name_with_its_status(ready_api: aiohttp.ClientSession) -> None:
    printer = await get_json(ready_api, "/health/components/printer")
    assert printer["name"] == "printer" and printer["ok"] is True
    assert printer["status"]["state"] == "ready"
    disk = await get_json(ready_api, "/health/components/disk")
    assert disk["ok"] is True and disk["status"] is None
    async with ready_api.get("/health/components/flux-capacitor") as response:
        body = await error_of(response)
    assert response.status == 404 and body["error"] == "not_found"
    assert "'flux-capacitor'" in body["message"] and "printer" in body["message"], "names the known ones"


async def test_metrics_after_a_print_have_sane_values(ready_api: aiohttp.ClientSession) -> None:
    stored = await upload(ready_api, "cube.gcode", SMALL_PRINT)
    job = await start_job(ready_api, stored["id"])
    await wait_for_job(ready_api, job["id"], "completed")
    families = await scrape(ready_api)
    lines = value(families["printedge_link_lines"])
    assert lines >= SMALL_PRINT.count(b"\n") - 5, "every printed line was acknowledged"
    assert families["printedge_link_lines"][0].name == "printedge_link_lines_total"
    assert value(families["printedge_link_retransmissions"]) == 0
    assert value(families["printedge_temperature_celsius"], heater="hotend", kind="actual") > 15
    assert value(families["printedge_temperature_celsius"], heater="bed", kind="target") in (0, 50)
    assert value(families["printedge_printer_ready"]) == 1
    assert value(families["printedge_job_printing"]) == 0
    assert value(families["printedge_component_healthy"], component="printer") == 1
    assert 0 <= value(families["printedge_host_cpu_usage_ratio"]) <= 1
    assert value(families["printedge_host_memory_total_bytes"]) > 0
    assert value(families["printedge_host_disk_free_bytes"]) > 0
    assert {s.labels["period"] for s in families["printedge_host_load_average"]} == {"1m", "5m", "15m"}
    assert "printedge_mqtt_connected" not in families, "no MQTT component in this appliance"
    assert families["printedge_info"][0].labels["version"] == edge.__version__


async def test_job_progress_is_a_ratio_while_printing(ready_api: aiohttp.ClientSession) -> None:
    stored = await upload(ready_api, "slow.gcode", slow_print(400))
    job = await start_job(ready_api, stored["id"])
    for _ in range(100):
        families = await scrape(ready_api)
        if "printedge_job_progress_ratio" in families and value(families["printedge_job_progress_ratio"]) > 0:
            break
        await asyncio.sleep(0.05)
    assert value(families["printedge_job_printing"]) == 1
    assert 0 < value(families["printedge_job_progress_ratio"]) <= 1
    async with ready_api.post(f"/api/v1/jobs/{job['id']}/cancel") as response:
        assert response.status == 200


async def test_metrics_and_details_need_credentials_unless_lan_read_only(tmp_path: Path) -> None:
    app = await started(tmp_path / "closed")
    try:
        async with anonymous(app) as stranger:
            for path in ("/metrics", "/health/detailed", "/health/components/printer"):
                async with stranger.get(path) as response:
                    assert response.status == 401, path
            async with stranger.get("/health") as response:
                assert response.status == 200, "the liveness and readiness probe stays public"
    finally:
        await app.stop()
    app = await started(tmp_path / "open", auth__lan_read_only="true")
    try:
        async with anonymous(app) as neighbour, neighbour.get("/metrics") as response:
            assert response.status == 200
    finally:
        await app.stop()


async def test_urls_and_the_qr_code_show_where_the_device_answers(
    appliance: Appliance, api: aiohttp.ClientSession
) -> None:
    urls = await get_json(api, "/api/v1/system/urls")
    port = appliance.web.port
    assert urls["url"] == urls["urls"][0] and all(url.endswith(f":{port}/") for url in urls["urls"])
    assert f"http://127.0.0.1:{port}/" in urls["urls"]
    assert urls["mdns"] is None, "discovery is off in these tests"
    async with api.get("/api/v1/system/qr.svg") as response:
        assert response.status == 200 and response.content_type == "image/svg+xml"
        svg = await response.text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and urls["url"] in svg


async def test_under_voltage_warns_on_the_bus_and_fails_health(tmp_path: Path) -> None:
    zone = tmp_path / "thermal_zone0_temp"
    zone.write_text("51234\n")
    script = fake_vcgencmd(tmp_path, 0x0)
    app = await started(
        tmp_path / "data",
        health__interval_s="0.1",
        health__throttled_command=f"{script} get_throttled",
        health__soc_temperature_path=str(zone),
    )
    warnings = app.services.bus.subscribe(HostWarning)
    try:
        async with client(app) as api:
            power = await get_json(api, "/health/components/power")
            assert power["ok"] is True and "no under-voltage" in power["detail"]
            fake_vcgencmd(tmp_path, 0x50005)
            warning = await asyncio.wait_for(warnings.get(), 5)
            assert isinstance(warning, HostWarning) and warning.condition == "under_voltage"
            async with api.get("/health") as response:
                body = await response.json()
            assert response.status == 503 and "under-voltage" in body["components"]["host"]["detail"]
            families = await scrape(api)
            assert value(families["printedge_host_soc_temperature_celsius"]) == 51.234
            assert value(families["printedge_host_throttling"], flag="under_voltage", when="now") == 1
            assert value(families["printedge_host_throttling"], flag="soft_temperature_limit", when="since_boot") == 0
            system = (await get_json(api, "/health/detailed"))["system"]
            assert system["throttling"] == {
                "raw": "0x50005",
                "now": ["under_voltage", "throttled"],
                "since_boot": ["under_voltage", "throttled"],
            }
    finally:
        warnings.close()
        await app.stop()

"""Prometheus metrics read on each scrape: printer, link, job, MQTT, components and the host's last sample."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import fields
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily, Metric

import edge
from edge.health.pi import FLAGS
from edge.jobs.manager import JobManager
from edge.printer.link import LinkState, PrinterLink
from edge.printer.stats import LinkStats

if TYPE_CHECKING:
    from edge.health.monitor import HealthMonitor

PREFIX = "printedge"
# Link counters: the field of LinkStats, the metric's name (without _total) and its help.
LINK_COUNTERS: Mapping[str, tuple[str, str]] = {
    "lines_acked": ("link_lines", "Lines the printer acknowledged"),
    "bytes_acked": ("link_bytes", "Bytes of acknowledged lines"),
    "transmissions": ("link_transmissions", "Lines sent, first sends and resends"),
    "retransmissions": ("link_retransmissions", "Lines sent again after a resend request or timeout"),
    "resend_requests": ("link_resend_requests", "Resend requests from the firmware"),
    "stale_resends": ("link_stale_resends", "Resend requests for lines already resent"),
    "line_errors": ("link_line_errors", "Checksum or line-number errors the firmware reported"),
    "fallbacks": ("link_fallbacks", "Times the send window fell back to one line in flight"),
    "probes": ("link_probes", "Probes sent after silence"),
    "timeouts": ("link_timeouts", "Commands that timed out"),
    "fragments": ("link_fragments", "Unnumbered line tails that ran on the printer"),
    "fragments_unknown": ("link_fragments_unknown", "Unnumbered line tails the firmware did not understand"),
    "false_acks": ("link_false_acks", "Acknowledgements that did not match a line in flight"),
    "stray_oks": ("link_stray_oks", "ok lines with nothing in flight"),
    "unrecognized": ("link_unrecognized_lines", "Lines from the firmware that were not understood"),
    "busy": ("link_busy", "busy: keepalives from the firmware"),
    "realignments": ("link_realignments", "Times the line numbering was realigned"),
}


class ApplianceCollector:
    """A prometheus-client collector: nothing is stored between scrapes, every value is read when asked."""

    def __init__(self, monitor: HealthMonitor, link: PrinterLink, manager: JobManager) -> None:
        self.monitor = monitor
        self.link = link
        self.manager = manager

    def collect(self) -> Iterator[Metric]:
        """Every family, current values."""
        yield from self._appliance()
        yield from self._printer()
        yield from self._job()
        yield from self._mqtt()
        yield from self._host()

    def _appliance(self) -> Iterator[Metric]:
        info = InfoMetricFamily(PREFIX, "The appliance's version", labels=["version"])
        info.add_metric([edge.__version__], {})
        yield info
        healthy = GaugeMetricFamily(
            f"{PREFIX}_component_healthy", "1 when the component reports healthy, else 0", labels=["component"]
        )
        for name, report in sorted(self.monitor.report().items()):
            ok = isinstance(report, dict) and report.get("ok") is True
            healthy.add_metric([name], 1.0 if ok else 0.0)
        yield healthy

    def _printer(self) -> Iterator[Metric]:
        link = self.link
        yield GaugeMetricFamily(
            f"{PREFIX}_printer_ready",
            "1 when the printer link is ready, else 0",
            value=float(link.state is LinkState.READY),
        )
        temperatures = GaugeMetricFamily(
            f"{PREFIX}_temperature_celsius", "Heater temperatures", labels=["heater", "kind"]
        )
        t = link.temperatures
        for heater, kind, value in (
            ("hotend", "actual", t.hotend),
            ("hotend", "target", t.hotend_target),
            ("bed", "actual", t.bed),
            ("bed", "target", t.bed_target),
        ):
            if value is not None:
                temperatures.add_metric([heater, kind], value)
        yield temperatures
        stats: LinkStats = link.stats
        for item in fields(stats):
            name, help_text = LINK_COUNTERS.get(item.name, (f"link_{item.name}", item.name.replace("_", " ")))
            yield CounterMetricFamily(
                f"{PREFIX}_{name}", f"{help_text} (since the link connected)", value=getattr(stats, item.name)
            )
        yield GaugeMetricFamily(
            f"{PREFIX}_link_lines_per_second", "Lines acknowledged per second, recently", value=link.lines_per_s
        )

    def _job(self) -> Iterator[Metric]:
        runner = self.manager.runner
        yield GaugeMetricFamily(
            f"{PREFIX}_job_printing", "1 while a job prints (or is paused), else 0", value=float(runner is not None)
        )
        if runner is None:
            return
        progress = runner.progress()
        ratio = progress.bytes_done / progress.bytes_total if progress.bytes_total else 0.0
        job = f"{PREFIX}_job"
        yield GaugeMetricFamily(
            f"{job}_progress_ratio", "Share of the running job's bytes the printer has finished", value=ratio
        )
        yield GaugeMetricFamily(f"{job}_layer", "Layer the running job is on", value=progress.layer)
        yield GaugeMetricFamily(
            f"{job}_elapsed_seconds", "Printing time of the running job, without pauses", value=progress.elapsed_s
        )
        if progress.eta_s is not None:
            yield GaugeMetricFamily(
                f"{job}_remaining_seconds", "Estimated time left of the running job", value=progress.eta_s
            )

    def _mqtt(self) -> Iterator[Metric]:
        mqtt = self.monitor.mqtt()
        if mqtt is None:
            return
        status = mqtt.status()
        connected = status.get("connected")
        if isinstance(connected, bool):
            yield GaugeMetricFamily(
                f"{PREFIX}_mqtt_connected", "1 while connected to the MQTT broker, else 0", value=float(connected)
            )
        for key in ("outbox_depth", "outbox", "outbox_pending"):
            depth = status.get(key)
            if isinstance(depth, int) and not isinstance(depth, bool):
                yield GaugeMetricFamily(
                    f"{PREFIX}_outbox_depth", "Events waiting in the store-and-forward outbox", value=float(depth)
                )
                break

    def _host(self) -> Iterator[Metric]:
        sample = self.monitor.sample
        if sample is None:
            return
        host = f"{PREFIX}_host"
        yield GaugeMetricFamily(
            f"{host}_cpu_usage_ratio", "CPU busy share across all cores (0-1)", value=sample.cpu_ratio
        )
        yield GaugeMetricFamily(f"{host}_memory_total_bytes", "Physical memory", value=sample.memory_total_bytes)
        yield GaugeMetricFamily(
            f"{host}_memory_available_bytes", "Memory available without swapping", value=sample.memory_available_bytes
        )
        load = GaugeMetricFamily(f"{host}_load_average", "Run-queue load average", labels=["period"])
        for period, value in zip(("1m", "5m", "15m"), sample.load_average, strict=True):
            load.add_metric([period], value)
        yield load
        yield _labelled(
            f"{host}_disk_total_bytes",
            "Size of the data directory's filesystem",
            {"path": sample.disk_path},
            sample.disk_total_bytes,
        )
        yield _labelled(
            f"{host}_disk_free_bytes",
            "Free space on the data directory's filesystem",
            {"path": sample.disk_path},
            sample.disk_free_bytes,
        )
        yield CounterMetricFamily(
            f"{host}_network_received_bytes",
            "Bytes received on every interface but loopback",
            value=sample.network_received_bytes,
        )
        yield CounterMetricFamily(
            f"{host}_network_transmitted_bytes",
            "Bytes sent on every interface but loopback",
            value=sample.network_sent_bytes,
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_process_resident_memory_bytes",
            "Resident memory of the appliance process",
            value=sample.process_resident_bytes,
        )
        yield CounterMetricFamily(
            f"{PREFIX}_process_cpu_seconds", "CPU time of the appliance process", value=sample.process_cpu_seconds
        )
        if sample.soc_temperature_c is not None:
            yield GaugeMetricFamily(
                f"{host}_soc_temperature_celsius", "SoC temperature", value=sample.soc_temperature_c
            )
        if sample.throttling is not None:
            flags = GaugeMetricFamily(
                f"{host}_throttling", "Raspberry Pi power and throttling flags (1: set)", labels=["flag", "when"]
            )
            for flag in FLAGS:
                flags.add_metric([flag, "now"], float(flag in sample.throttling.now))
                flags.add_metric([flag, "since_boot"], float(flag in sample.throttling.since_boot))
            yield flags


def _labelled(name: str, help_text: str, labels: Mapping[str, str], value: float) -> GaugeMetricFamily:
    """A gauge with one labelled sample."""
    family = GaugeMetricFamily(name, help_text, labels=list(labels))
    family.add_metric(list(labels.values()), value)
    return family

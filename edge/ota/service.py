"""The OTA pipeline: document, verify, validate, defer, write, apply, check health, commit or roll back, report."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from edge.config.lkg import OverlayFiles, OverlayState, die_at
from edge.config.loader import ConfigLayers, build, deep_merge, to_dict
from edge.config.ota_document import (
    ConfigDocument,
    ConfigReport,
    ConfigStatus,
    DocumentError,
    overlay_for,
    parse_document,
)
from edge.config.schema import AppConfig
from edge.core.component import Health
from edge.core.errors import ConfigError, PrintEdgeError
from edge.ota.verify import check_signature, check_target, load_keys_or_refuse
from edge.store.config_audit import ConfigAuditLog

log = logging.getLogger("printedge.ota")

# Refusals a retained message brings back on every connect: answered, but they never replace the report.
QUIET = ("stale", "replayed")


@dataclass(frozen=True, kw_only=True)
class OtaHooks:
    """What the pipeline needs from the appliance."""

    reconfigure: Callable[[AppConfig, set[str]], Awaitable[list[str]]]  # -> the components restarted
    health: Callable[[], dict[str, object]]
    busy: Callable[[], str | None]  # what holds the update lock (a print, a slice), or None when idle
    device_id: Callable[[], str | None]


def changed_sections(old: AppConfig, new: AppConfig) -> set[str]:
    """The top-level keys whose values differ."""
    before, after = to_dict(old), to_dict(new)
    return {name for name in after if before.get(name) != after[name]}


class ConfigUpdates:
    """Runs documents through the pipeline one at a time; keeps the report and the pending document."""

    name = "ota"

    def __init__(
        self,
        files: OverlayFiles,
        layers: ConfigLayers | None,
        hooks: OtaHooks,
        audit: ConfigAuditLog,
        config: Callable[[], AppConfig],
    ) -> None:
        self.files = files
        self.layers = layers
        self.hooks = hooks
        self.audit = audit
        self.config = config
        self.report = ConfigReport(version=0, status=ConfigStatus.APPLIED, message="no OTA config yet", desired=None)
        self.publish: Callable[[ConfigReport], None] | None = None
        self._lock = asyncio.Lock()
        self._pending: tuple[str, bytes] | None = None
        self._tried: dict[tuple[int, str], ConfigReport] = {}
        self._tasks: set[asyncio.Task[object]] = set()

    async def start(self) -> None:
        """Finish what a crash interrupted: an uncommitted trial is rolled back to last-known-good."""
        state = await asyncio.to_thread(self.files.read_state)
        if state.trial is not None:
            version = int(state.trial.get("version", 0))
            report = self._report(
                ConfigStatus.ROLLED_BACK,
                f"version {version} was not committed before the process stopped; last-known-good "
                f"(version {state.version}) restored",
                desired=version,
                reason="not_committed",
                version=state.version,
            )
            await asyncio.to_thread(self.files.rollback, report.to_dict())
            await self._audit("boot", version, report, str(state.trial.get("sha256", "")))
            self._tried[(version, str(state.trial.get("sha256", "")))] = report
            self._set(report)
        elif state.report is not None:
            self._set(_report_of(state.report, state.version))
        else:
            self._set(dataclasses.replace(self.report, version=state.version))
        await self._given_up(state)

    async def started(self, failures: Mapping[str, str]) -> None:
        """The appliance finished starting: prove the committed version, or roll it back if it broke components."""
        state = await asyncio.to_thread(self.files.read_state)
        if state.proven or state.trial is not None:
            return
        if not failures:
            await asyncio.to_thread(self.files.proven)
            return
        why = "; ".join(f"{name} failed to start: {problem}" for name, problem in sorted(failures.items()))
        running = self.config()
        await asyncio.to_thread(self.files.give_up, why)
        lkg = self._compose(await asyncio.to_thread(self.files.read_overlay, self.files.applied), running)
        await self.hooks.reconfigure(lkg, changed_sections(running, lkg))
        after = await asyncio.to_thread(self.files.read_state)
        await self._given_up(after)
        self._set(_report_of(after.report or {}, after.version))

    async def _given_up(self, state: OverlayState) -> None:
        """Remember a version given up at start (its retained document is answered, not applied); audit it once."""
        failed = state.failed
        if failed is None or not isinstance(failed.get("report"), dict):
            return
        version, sha256 = int(failed.get("version") or 0), str(failed.get("sha256") or "")
        report = _report_of(failed["report"], state.version)
        self._tried[(version, sha256)] = report
        if not failed.get("audited"):
            log.error("config %s", report.message)
            await self._audit("start", version, report, sha256)
            await asyncio.to_thread(self.files.given_up_audited)

    async def stop(self) -> None:
        """Cancel the waiting and running attempts."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def submit_later(self, source: str, payload: bytes) -> None:
        """Run a document in its own task (an MQTT handler must not wait for the link it may restart)."""
        task: asyncio.Task[object] = asyncio.create_task(self.submit(source, payload), name=f"ota.{source}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def submit(self, source: str, payload: bytes) -> ConfigReport:
        """Run one document through every step; the answer is how it ended (or that it waits)."""
        async with self._lock:
            return await self._run(source, payload)

    def status(self) -> dict[str, object]:
        """The applied version, the last report and whether a document waits for the update lock."""
        return {
            "version": self.report.version,
            "report": self.report.to_dict(),
            "pending": self._pending is not None,
            "busy": self.hooks.busy(),
        }

    def health(self) -> Health:
        """Always healthy (a config problem is rolled back); says when the last start fell back to last-known-good."""
        if self.report.status is ConfigStatus.ROLLED_BACK and self.report.reason in ("not_committed", "start_failed"):
            return Health(True, f"config version {self.report.version} (after a rollback: {self.report.message})")
        return Health(True, f"config version {self.report.version}: {self.report.status.value}")

    # ---- the steps ----------------------------------------------------------------------------

    async def _run(self, source: str, payload: bytes) -> ConfigReport:
        config = self.config()
        device_id = self.hooks.device_id()
        doc: ConfigDocument | None = None
        key_id = ""
        try:
            if not config.ota.enabled:
                raise DocumentError("disabled", "over-the-air configuration is off on this device (ota.enabled)")
            if device_id is None:
                raise DocumentError("no_identity", "this device has no id yet, so no document can name it")
            doc = parse_document(payload, config.ota.max_document_kb * 1024)
            state = await asyncio.to_thread(self.files.read_state)
            if doc.version == state.version and doc.sha256 == state.sha256:
                return self.report  # the retained document again, already running
            tried = self._tried.get((doc.version, doc.sha256))
            if tried is not None:
                return tried
            keys = await asyncio.to_thread(load_keys_or_refuse, config)
            key_id = check_signature(doc, keys)
            check_target(doc, device_id, state.version)
            applied = await asyncio.to_thread(self.files.read_overlay, self.files.applied)
            overlay = overlay_for(doc, device_id, applied, state.version)
            new_config = self._compose(overlay, config)
        except DocumentError as exc:
            return await self._refuse(source, doc, key_id, exc.reason, exc.message)
        except ConfigError as exc:
            return await self._refuse(source, doc, key_id, "invalid", exc.message)
        busy = self.hooks.busy()
        if busy is not None:
            return await self._defer(source, payload, doc, key_id, busy)
        self._pending = None
        return await self._apply(source, doc, key_id, overlay, config, new_config, state.version)

    def _compose(self, overlay: Mapping[str, Any], running: AppConfig) -> AppConfig:
        if self.layers is not None:
            return self.layers.compose(overlay)
        return build(AppConfig, deep_merge(to_dict(running), overlay), "")

    async def _defer(self, source: str, payload: bytes, doc: ConfigDocument, key_id: str, busy: str) -> ConfigReport:
        first = self._pending is None
        self._pending = (source, payload)
        report = self._report(ConfigStatus.PENDING, f"version {doc.version} waits: {busy}", desired=doc.version)
        await self._audit(source, doc.version, report, doc.sha256, key_id)
        if first:
            task: asyncio.Task[object] = asyncio.create_task(self._when_idle(), name="ota.when_idle")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self._set(report)
        return report

    async def _when_idle(self) -> None:
        # Polled: the update lock has several holders (a print, a slice) and no single event says all are done.
        while True:
            if self.hooks.busy() is None:
                break
            await asyncio.sleep(self.config().ota.idle_poll_s)
        pending, self._pending = self._pending, None
        if pending is not None:
            await self.submit(*pending)

    async def _apply(
        self,
        source: str,
        doc: ConfigDocument,
        key_id: str,
        overlay: dict[str, Any],
        old_config: AppConfig,
        new_config: AppConfig,
        old_version: int,
    ) -> ConfigReport:
        changed = changed_sections(old_config, new_config)
        before = self.hooks.health()
        await asyncio.to_thread(self.files.begin, overlay, doc.version, doc.sha256)
        restarted = await self.hooks.reconfigure(new_config, changed)
        die_at("reconfigured")
        # A component that was unhealthy before (a printer unplugged) is not the new config's fault.
        checked = [name for name in restarted if name not in before or _ok(before[name])]
        problem = await self._check_health(checked, new_config.ota.health_deadline_s)
        if problem is None:
            masked = self._masked(overlay)
            note = f"; the environment keeps {', '.join(masked)}" if masked else ""
            report = self._report(
                ConfigStatus.APPLIED, f"version {doc.version} applied{note}", desired=doc.version, version=doc.version
            )
            await asyncio.to_thread(self.files.commit, doc.version, doc.sha256, report.to_dict())
            die_at("committed")
        else:
            report = self._report(
                ConfigStatus.ROLLED_BACK,
                f"version {doc.version} rolled back to version {old_version}: {problem}",
                desired=doc.version,
                reason="unhealthy",
                version=old_version,
            )
            await asyncio.to_thread(self.files.rollback, report.to_dict())
            await self.hooks.reconfigure(old_config, changed)
            self._tried[(doc.version, doc.sha256)] = report
        log.info("config %s", report.message)
        await self._audit(source, doc.version, report, doc.sha256, key_id)
        self._set(report)
        return report

    def _masked(self, overlay: Mapping[str, Any]) -> list[str]:
        """The overlay's keys that a PRINTEDGE_* variable overrides (the environment wins)."""
        if self.layers is None:
            return []
        return sorted(_paths(overlay) & _paths(self.layers.env))

    async def _check_health(self, names: list[str], deadline_s: float) -> str | None:
        """None once every named component is healthy; else what the last one said at the deadline."""
        deadline = time.monotonic() + deadline_s
        while True:
            health = self.hooks.health()
            sick = {name: health.get(name) for name in names if not _ok(health.get(name))}
            if not sick:
                return None
            if time.monotonic() >= deadline:
                return "; ".join(f"{name} unhealthy after {deadline_s:g} s: {_detail(h)}" for name, h in sick.items())
            await asyncio.sleep(0.1)

    async def _refuse(
        self, source: str, doc: ConfigDocument | None, key_id: str, reason: str, message: str
    ) -> ConfigReport:
        version = None if doc is None else doc.version
        log.warning("config document from %s refused: %s: %s", source, reason, message)
        report = self._report(ConfigStatus.REJECTED, message, desired=version, reason=reason)
        await self._audit(source, version, report, "" if doc is None else doc.sha256, key_id)
        if reason not in QUIET or source == "api":
            self._set(report)
        return report

    # ---- reports ------------------------------------------------------------------------------

    def _report(
        self,
        status: ConfigStatus,
        message: str,
        *,
        desired: int | None,
        reason: str | None = None,
        version: int | None = None,
    ) -> ConfigReport:
        return ConfigReport(
            version=self.report.version if version is None else version,
            status=status,
            message=message,
            desired=desired,
            reason=reason,
            at=time.time(),
        )

    def _set(self, report: ConfigReport) -> None:
        self.report = report
        if self.publish is not None:
            self.publish(report)

    async def _audit(
        self, source: str, version: int | None, report: ConfigReport, sha256: str, key_id: str = ""
    ) -> None:
        try:
            await self.audit.record(
                source=source,
                version=version,
                status=report.status.value,
                message=report.message,
                sha256=sha256,
                key_id=key_id,
                reason=report.reason or "",
            )
        except PrintEdgeError as exc:
            log.error("config audit entry not recorded: %s", exc.message)


def _paths(data: Mapping[str, Any], prefix: str = "") -> set[str]:
    found: set[str] = set()
    for key, value in data.items():
        where = f"{prefix}{key}"
        found |= _paths(value, f"{where}.") if isinstance(value, Mapping) else {where}
    return found


def _ok(health: object) -> bool:
    return isinstance(health, dict) and health.get("ok") is True


def _detail(health: object) -> str:
    return str(health.get("detail")) if isinstance(health, dict) else "no health report"


def _report_of(data: Mapping[str, Any], version: int) -> ConfigReport:
    try:
        status = ConfigStatus(str(data.get("status")))
    except ValueError:
        status = ConfigStatus.APPLIED
    desired = data.get("desired")
    return ConfigReport(
        version=version,
        status=status,
        message=str(data.get("message", "")),
        desired=desired if isinstance(desired, int) else None,
        reason=str(data["reason"]) if data.get("reason") else None,
        at=float(data.get("at") or time.time()),
    )

"""The job queue with a real database, file store, link and virtual printer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from blockbuster import blockbuster_ctx

from edge.config.schema import JobsConfig, LimitsConfig, PrinterConfig
from edge.core.events import EventBus
from edge.jobs.manager import JobManager
from edge.printer.link import LinkState, PrinterLink
from edge.printer.simulator import SimulatorSettings, VirtualPrinter
from edge.store.db import Database
from edge.store.files import FileStore
from edge.store.jobs import JobRepository
from edge.store.records import JobState
from tests.gcode_files import layered_file


@pytest.fixture(autouse=True)
def no_blocking_in_edge() -> Iterator[None]:
    """Fail any test in which edge code makes a blocking call on the event loop."""
    with blockbuster_ctx(["edge"]):
        yield


@dataclass
class Rig:
    printer: VirtualPrinter
    link: PrinterLink
    db: Database
    files: FileStore
    jobs: JobRepository
    bus: EventBus
    tmp: Path

    def manager(self, **config: Any) -> JobManager:
        return JobManager(self.link, self.bus, self.files, self.jobs, JobsConfig(**config), LimitsConfig())


async def until(predicate: Callable[[], object], seconds: float = 20) -> None:
    for _ in range(int(seconds / 0.02)):
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached in time")


async def job_state(rig: Rig, job_id: int) -> JobState:
    return (await rig.jobs.get(job_id)).state


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    printer = VirtualPrinter(SimulatorSettings(baud=0, latency_ms=0, time_scale=0.05, seed=5))
    await printer.start(tmp_path / "printer")
    bus = EventBus()
    link = PrinterLink(PrinterConfig(reconnect_max_backoff_s=0.5), bus, port=str(tmp_path / "printer"))
    await link.start()
    db = Database(tmp_path / "data" / "printedge.db")
    await db.open()
    files = FileStore(db, tmp_path / "data" / "files", 96, 10 * 2**20)
    jobs = JobRepository(db)
    r = Rig(printer, link, db, files, jobs, bus, tmp_path)
    await until(lambda: link.state is LinkState.READY)
    yield r
    await link.stop()
    await db.close()
    await printer.stop()


async def add(rig: Rig, name: str, layers: int = 3, moves: int = 20) -> int:
    layered_file(rig.tmp / name, layers, moves)
    stored = await rig.files.add_path(name, rig.tmp / name)
    return stored.id


async def test_jobs_run_in_order_and_the_next_waits_for_a_clear_bed(rig: Rig) -> None:
    manager = rig.manager()
    await manager.start()
    first = await manager.enqueue(await add(rig, "a.gcode", 2, 5))
    second = await manager.enqueue(await add(rig, "b.gcode", 2, 5))
    await until(lambda: manager.runner is None and not manager.bed_clear)
    assert await job_state(rig, first.id) is JobState.COMPLETED
    await asyncio.sleep(0.3)
    assert await job_state(rig, second.id) is JobState.QUEUED
    assert manager.status()["awaiting_bed_clear"] is True
    await manager.confirm_bed_clear()
    await until(lambda: manager.runner is None and not manager.bed_clear)
    assert await job_state(rig, second.id) is JobState.COMPLETED
    await manager.stop()


async def test_auto_continue_starts_the_next_job_at_once(rig: Rig) -> None:
    manager = rig.manager(auto_continue=True)
    await manager.start()
    ids = [(await manager.enqueue(await add(rig, f"{n}.gcode", 1, 5))).id for n in range(3)]
    states: list[JobState] = []
    for _ in range(1000):
        states = [await job_state(rig, i) for i in ids]
        if all(s.finished for s in states):
            break
        await asyncio.sleep(0.02)
    assert states == [JobState.COMPLETED] * 3
    await manager.stop()


async def test_disconnect_mid_print_persists_an_interrupted_job_that_says_what_happened(rig: Rig) -> None:
    manager = rig.manager()
    await manager.start()
    job = await manager.enqueue(await add(rig, "long.gcode", 6, 40))
    await until(lambda: manager.runner is not None and manager.runner.layer >= 2)
    rig.printer.disconnect()
    await until(lambda: manager.runner is None)
    stored = await rig.jobs.get(job.id)
    assert stored.state is JobState.INTERRUPTED
    assert "interrupted at line" in stored.detail and "lost" in stored.detail
    point = await rig.jobs.latest_recovery(job.id)
    assert point is not None and point.layer >= 2
    await manager.stop()


async def test_graceful_stop_parks_the_job_and_records_it_interrupted_and_resumable(rig: Rig) -> None:
    manager = rig.manager()
    await manager.start()
    job = await manager.enqueue(await add(rig, "long.gcode", 6, 40))
    await until(lambda: manager.runner is not None and manager.runner.layer >= 2)
    await manager.prepare_stop()
    await manager.stop()
    stored = await rig.jobs.get(job.id)
    assert stored.state is JobState.INTERRUPTED
    assert "service stop" in stored.detail and "can be resumed" in stored.detail
    assert rig.printer.position["z"] >= 10  # lifted by the park script
    assert rig.printer.hotend.target == 0  # the hotend is off; the bed keeps the part attached
    again = rig.manager()
    await again.start()
    assert (await rig.jobs.get(job.id)).state is JobState.INTERRUPTED
    assert again.bed_clear is False
    await again.stop()


async def test_an_interrupted_job_resumes_from_its_recovery_point(rig: Rig) -> None:
    manager = rig.manager()
    await manager.start()
    job = await manager.enqueue(await add(rig, "long.gcode", 4, 30))
    await until(lambda: manager.runner is not None and manager.runner.layer >= 2)
    rig.printer.disconnect()
    await until(lambda: manager.runner is None)
    point = await rig.jobs.latest_recovery(job.id)
    assert point is not None
    await rig.printer.reconnect()
    await until(lambda: rig.link.state is LinkState.READY)
    before = len(rig.printer.executed)
    assert manager.bed_clear is False  # the part is on the bed: no other job may start
    await manager.resume_interrupted(job.id)
    await until(lambda: manager.runner is not None)
    await until(lambda: manager.runner is None)
    assert await job_state(rig, job.id) is JobState.COMPLETED
    ran = [e.command for e in rig.printer.executed[before:]]
    assert "G28 X Y" in ran
    assert ran.count("G1 Z0.20 F600") == 0  # layer 1 was not printed again
    await manager.stop()


async def test_cancel_of_a_queued_job_never_prints_it(rig: Rig) -> None:
    manager = rig.manager()
    await manager.start()
    manager.bed_clear = False
    job = await manager.enqueue(await add(rig, "a.gcode", 1, 3))
    await manager.cancel(job.id)
    await manager.confirm_bed_clear()
    await asyncio.sleep(0.3)
    assert await job_state(rig, job.id) is JobState.CANCELLED
    await manager.stop()

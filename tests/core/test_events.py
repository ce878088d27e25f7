"""The event bus never blocks a producer; periodic state coalesces, other events queue in order."""

from __future__ import annotations

from edge.core.events import EventBus, JobStateChanged, LinkStateChanged, TemperatureReport


def _temp(value: float) -> TemperatureReport:
    return TemperatureReport(hotend=value, hotend_target=0, bed=0, bed_target=0)


async def test_subscriber_receives_only_the_types_it_asked_for() -> None:
    bus = EventBus()
    sub = bus.subscribe(LinkStateChanged)
    bus.publish(_temp(20))
    bus.publish(LinkStateChanged(state="ready"))
    event = await sub.get()
    assert isinstance(event, LinkStateChanged) and event.state == "ready"
    assert sub.get_nowait() is None


async def test_periodic_state_keeps_only_the_newest_for_a_slow_subscriber() -> None:
    bus = EventBus()
    sub = bus.subscribe()
    for value in range(100):
        bus.publish(_temp(value))
    event = sub.get_nowait()
    assert isinstance(event, TemperatureReport) and event.hotend == 99
    assert sub.get_nowait() is None


async def test_events_keep_their_order_and_a_full_mailbox_drops_the_oldest() -> None:
    bus = EventBus()
    sub = bus.subscribe(maxsize=3)
    for job in range(5):
        bus.publish(JobStateChanged(job_id=job, state="queued"))
    got = [sub.get_nowait() for _ in range(3)]
    assert [e.job_id for e in got if isinstance(e, JobStateChanged)] == [2, 3, 4]
    assert sub.dropped == 2


async def test_closed_subscription_ends_iteration_and_stops_receiving() -> None:
    bus = EventBus()
    sub = bus.subscribe()
    sub.close()
    bus.publish(LinkStateChanged(state="ready"))
    assert [e async for e in sub] == []


def test_event_to_dict_carries_its_type() -> None:
    assert LinkStateChanged(state="ready", detail="x").to_dict() == {
        "type": "link_state",
        "state": "ready",
        "detail": "x",
    }

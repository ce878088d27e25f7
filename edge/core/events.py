"""Typed in-process event bus: producers never block, slow subscribers lose only stale state."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from typing import ClassVar

log = logging.getLogger("printedge.events")


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of all events. Periodic state (latest_wins) may be coalesced for a slow subscriber."""

    kind: ClassVar[str] = "event"
    latest_wins: ClassVar[bool] = False

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form with the event kind."""
        return {"type": self.kind, **asdict(self)}


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkStateChanged(Event):
    """The printer link moved to a new state."""

    kind: ClassVar[str] = "link_state"
    state: str
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class TemperatureReport(Event):
    """Current and target temperatures of the hotend and bed."""

    kind: ClassVar[str] = "temperature"
    latest_wins: ClassVar[bool] = True
    hotend: float
    hotend_target: float
    bed: float
    bed_target: float


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkHealth(Event):
    """How well the link streams: throughput, resends, and the firmware's free planner and buffer slots."""

    kind: ClassVar[str] = "link_health"
    latest_wins: ClassVar[bool] = True
    lines_per_s: float
    resend_ratio: float
    in_flight: int
    planner_free: int | None
    queue_free: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class FirmwareMessage(Event):
    """A notable line from the firmware: error, halt, action command, echo."""

    kind: ClassVar[str] = "firmware"
    level: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HostAction(Event):
    """The firmware asked the host to act (//action:pause, resume, cancel, ...)."""

    kind: ClassVar[str] = "host_action"
    action: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FragmentDetected(Event):
    """An unnumbered tail of a cut line ran on the printer, outside the sequence (seen through ADVANCED_OK).

    `candidates` are the lines it could have come from: file line numbers (1-based) while a job prints,
    otherwise the link's line numbers.
    """

    kind: ClassVar[str] = "fragment"
    job_id: int | None
    candidates: tuple[int, ...]
    ran: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class HostWarning(Event):
    """The host needs attention: under-voltage, throttling, heat or a nearly full disk (condition names which)."""

    kind: ClassVar[str] = "host_warning"
    condition: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class JobStateChanged(Event):
    """A job changed state."""

    kind: ClassVar[str] = "job_state"
    job_id: int
    state: str
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class JobStageChanged(Event):
    """A stage of a job from text or a model (research, cad, slice, confirm) moved on or reported progress."""

    kind: ClassVar[str] = "job_stage"
    job_id: int
    stage: str
    state: str
    progress: float = 0.0
    message: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class JobProgress(Event):
    """Progress of the running job."""

    kind: ClassVar[str] = "job_progress"
    latest_wins: ClassVar[bool] = True
    job_id: int
    lines_done: int
    lines_total: int
    bytes_done: int
    bytes_total: int
    layer: int
    elapsed_s: float
    eta_s: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SensorEvent(Event):
    """A GPIO device changed: a switch (runout, door, button) or an output (psu, led); action says what followed."""

    kind: ClassVar[str] = "sensor"
    device: str
    state: str
    active: bool
    action: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SafetyTrip(Event):
    """The host thermal watchdog stopped the printer: which heater, which rule, and why."""

    kind: ClassVar[str] = "safety_trip"
    heater: str
    rule: str
    temperature: float
    target: float
    detail: str


@dataclass(slots=True)
class Subscription:
    """A subscriber's bounded mailbox; iterate it to receive events in order."""

    bus: EventBus
    types: tuple[type[Event], ...]
    maxsize: int
    dropped: int = 0
    _events: OrderedDict[object, Event] = field(default_factory=OrderedDict)
    _seq: int = 0
    _ready: asyncio.Event = field(default_factory=asyncio.Event)
    _closed: bool = False

    def wants(self, event: Event) -> bool:
        """Whether this subscription receives the event."""
        return not self.types or isinstance(event, self.types)

    def offer(self, event: Event) -> None:
        """Queue the event without blocking; coalesce periodic state, drop oldest when full."""
        if event.latest_wins:
            key: object = type(event)
            self._events.pop(key, None)
        else:
            self._seq += 1
            key = self._seq
        self._events[key] = event
        if len(self._events) > self.maxsize:
            self._events.popitem(last=False)
            self.dropped += 1
        self._ready.set()

    def get_nowait(self) -> Event | None:
        """The next queued event, or None."""
        if not self._events:
            return None
        return self._events.popitem(last=False)[1]

    async def get(self) -> Event:
        """Wait for the next event."""
        while not self._events:
            if self._closed:
                raise StopAsyncIteration
            self._ready.clear()
            await self._ready.wait()
        return self._events.popitem(last=False)[1]

    def close(self) -> None:
        """Stop receiving; a waiting reader ends its iteration."""
        self._closed = True
        self.bus.unsubscribe(self)
        self._ready.set()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self

    async def __anext__(self) -> Event:
        return await self.get()


class EventBus:
    """Fan-out of typed events to subscribers, never blocking the publisher."""

    def __init__(self) -> None:
        self._subs: list[Subscription] = []
        self.published = 0

    def subscribe(self, *types: type[Event], maxsize: int = 256) -> Subscription:
        """Receive events of the given types (all when none are given)."""
        sub = Subscription(bus=self, types=types, maxsize=maxsize)
        self._subs.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Remove a subscription."""
        if sub in self._subs:
            self._subs.remove(sub)

    def publish(self, event: Event) -> None:
        """Deliver an event to every interested subscriber."""
        self.published += 1
        for sub in self._subs:
            if sub.wants(event):
                sub.offer(event)

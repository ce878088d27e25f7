"""The printer link: the asyncio shell around the protocol core — port, timers, futures, reconnection."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from edge.config.schema import PrinterConfig
from edge.core.component import Health
from edge.core.errors import (
    FirmwareHaltedError,
    LinkError,
    LinkTimeoutError,
    PrinterDisconnectedError,
    PrinterError,
    PrinterNotReadyError,
)
from edge.core.events import (
    EventBus,
    FirmwareMessage,
    FragmentDetected,
    HostAction,
    LinkHealth,
    LinkStateChanged,
    TemperatureReport,
)
from edge.core.tasks import TaskSupervisor
from edge.gcode.commands import line_kind, word_kind
from edge.gcode.safety import SafetyFilter
from edge.printer.console import ConsoleRing
from edge.printer.core import LinkCore
from edge.printer.core_events import (
    CoreEvent,
    FirmwareNotice,
    FirmwareRestarted,
    FragmentRan,
    HostActionRequested,
    LinkFailed,
    TemperaturesChanged,
)
from edge.printer.core_settings import CoreSettings
from edge.printer.profile import FirmwareProfile
from edge.printer.protocol import Temperatures
from edge.printer.stats import LinkStats
from edge.printer.temperature_log import TemperatureLog
from edge.printer.transport import ResetHook, SerialTransport

log = logging.getLogger("printedge.printer.link")

MAX_PENDING = 64
# A producer waiting for room is woken only once the queue is down to this: it then queues many lines in one
# go, instead of one task switch per line acknowledged.
LOW_WATER = MAX_PENDING // 2
# After an emergency stop, bytes may still be on their way; a reset waits this long so the M112 cannot halt
# the freshly reset board again.
ESTOP_SETTLE_S = 0.5
# The deliberate checksum error at connect: how long to wait for the firmware's Error/Resend, then its ok.
LEARN_TIMEOUT_S = 1.0
LEARN_OK_WAIT_S = 0.1
# How often the link's throughput and buffer report (link_health) is published while connected.
HEALTH_INTERVAL_S = 1.0
# Firmware that acknowledges on receipt: how long to wait for the report that proves the moves ran before asking again.
PROOF_REPOLL_S = 5.0

FinishedListener = Callable[[list[object]], None]
FragmentListener = Callable[[FragmentRan], None]


class LinkState(enum.StrEnum):
    """Where the link is; only READY accepts commands."""

    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    HANDSHAKE = "handshake"
    READY = "ready"
    HALTED = "halted"
    ERROR = "error"


@dataclass(frozen=True)
class EmergencyStopResult:
    """How the printer was stopped: which path M112 took, whether the board was reset, what was dropped."""

    path: str  # "emergency_parser": acted on as its bytes arrived; "m112_when_read": acted on when read
    dtr_reset: bool
    dropped_lines: int
    at: float  # Unix time

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return asdict(self)


class PrinterLink:
    """Owns the serial port and the line protocol; every command to the printer goes through it."""

    name = "printer"

    def __init__(
        self, config: PrinterConfig, bus: EventBus, *, port: str | None = None, reset: ResetHook | None = None
    ) -> None:
        self.config = config
        self.port = port or config.port
        self._bus = bus
        self._settings = CoreSettings.from_config(config)
        self.safety = SafetyFilter(config.limits, config.max_line_length)
        self.core = LinkCore(self._settings)
        self.state = LinkState.DISCONNECTED
        self.detail = "not connected yet"
        self.estop_at: float | None = None
        self.last_estop: EmergencyStopResult | None = None
        self.on_finished: FinishedListener | None = None
        self.on_fragment: FragmentListener | None = None
        self._transport = SerialTransport(self._on_lines, self._on_lost, reset=reset)
        self._tasks = TaskSupervisor("printer")
        self._space = asyncio.Event()
        self._idle = asyncio.Event()
        self._lost = asyncio.Event()
        self._reset_wanted = asyncio.Event()
        self._ready = asyncio.Event()
        self._unusable = asyncio.Event()  # set in every state but READY
        self._unusable.set()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0  # when _timer fires
        self.console = ConsoleRing()
        self.temperature_log = TemperatureLog()
        self.lines_per_s = 0.0

    # ---- what the link knows --------------------------------------------------------------

    @property
    def profile(self) -> FirmwareProfile:
        """The firmware as this connection came to know it."""
        return self.core.profile

    @property
    def stats(self) -> LinkStats:
        """Counters of this connection."""
        return self.core.stats

    @property
    def temperatures(self) -> Temperatures:
        """The latest reported temperatures."""
        return self.core.temperatures

    @property
    def in_flight(self) -> int:
        """Lines sent and not yet acknowledged."""
        return self.core.in_flight

    # ---- component contract ---------------------------------------------------------------

    async def start(self) -> None:
        """Connect in the background, reconnecting with backoff."""
        self._tasks.spawn("connection", self._maintain_connection)
        self._tasks.spawn("temperatures", self._poll_temperatures, restart=True)
        self._tasks.spawn("health", self._report_health, restart=True)

    async def stop(self) -> None:
        """Close the port and fail whatever was still waiting."""
        await self._tasks.cancel_all()
        await self.disconnect()

    async def reconfigure(self, config: PrinterConfig, port: str, reset: ResetHook | None) -> None:
        """Take a new printer section, port and reset hook and reconnect; a halted link waits for a person's reset."""
        halted = self.state is LinkState.HALTED
        await self.stop()
        self.config = config
        self.port = port
        self._transport.reset_hook = reset
        self._settings = CoreSettings.from_config(config)
        self.safety = SafetyFilter(config.limits, config.max_line_length)
        self.core = LinkCore(self._settings)
        if not halted:
            self._set_state(LinkState.DISCONNECTED, "reconfigured; not connected yet")
        await self.start()

    def status(self) -> dict[str, object]:
        """JSON-ready snapshot."""
        return {
            "state": self.state.value,
            "detail": self.detail,
            "port": self._transport.port or self.port,
            "firmware": self.profile.to_dict(),
            "temperatures": asdict(self.temperatures),
            "link": self.core.status() | {"lines_per_s": self.lines_per_s},
            "stats": self.stats.to_dict(),
            "last_emergency_stop": None if self.last_estop is None else self.last_estop.to_dict(),
        }

    def health(self) -> Health:
        """Healthy when ready; halted, errored or disconnected links are not."""
        return Health(self.state is LinkState.READY, f"{self.state.value}: {self.detail}")

    # ---- control ------------------------------------------------------------------------------

    async def connect(self) -> None:
        """Open the port and handshake; raises a LinkError when that fails."""
        await self.disconnect()
        self._set_state(LinkState.CONNECTING, f"opening {self.port}")
        self._lost.clear()
        try:
            await self._transport.open(self.port, self.config.baud)
            await self._handshake()
        except (PrinterError, OSError) as exc:
            await self._transport.close()
            self._fail_all(exc if isinstance(exc, PrinterError) else PrinterDisconnectedError(str(exc)))
            self._set_state(LinkState.DISCONNECTED, str(exc))
            raise
        profile = self.profile
        self._set_state(LinkState.READY, f"{profile.name or 'firmware'} ({profile.dialect}) on {self._transport.port}")

    async def disconnect(self) -> None:
        """Close the port; pending and in-flight commands fail."""
        self._cancel_timer()
        await self._transport.close()
        self._fail_all(PrinterDisconnectedError("link closed"))
        if self.state not in (LinkState.HALTED, LinkState.ERROR):
            self._set_state(LinkState.DISCONNECTED, "closed")

    async def reset(self, wait_s: float = 15.0) -> None:
        """Reset the board (DTR pulse, or the virtual printer's reset), reconnect, return once ready or after wait_s."""
        if self.estop_at is not None:
            settle = ESTOP_SETTLE_S - (time.monotonic() - self.estop_at)
            if settle > 0:
                await asyncio.sleep(settle)
        if not self._tasks.running("connection"):
            await self._hardware_reset()
            await self.connect()
            return
        self._ready.clear()
        self._reset_wanted.set()
        if self.state not in (LinkState.HALTED, LinkState.ERROR):
            self._lost.set()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait_s):
                await self._ready.wait()

    async def submit(
        self, command: str, *, priority: bool = False, blocks: int = 0, tag: object | None = None, checked: bool = False
    ) -> asyncio.Future[None]:
        """Queue one command (safety-checked unless already); the future resolves when the firmware acknowledged it.

        `blocks` is how many planner blocks the command certainly takes (the runner knows from its machine model);
        `tag` is handed to on_finished once the printer has certainly finished the command.
        """
        if not checked:
            command = self.safety.check(command.strip())
        core = self.core
        while core.pending >= MAX_PENDING:
            self._require_ready()
            self._space.clear()
            await self._space.wait()
        self._require_ready()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        core.queue(command, line_kind(command), blocks=blocks, ticket=future, tag=tag, priority=priority)
        self._idle.clear()
        core.pump(time.monotonic())
        if core.out:
            self._flush()
        return future

    def offer(self, command: str, word: str, *, blocks: int = 0, tag: object | None = None) -> bool:
        """Queue one safety-checked command without waiting; False when the queue is full (then await room()).

        The runner's fast path: no coroutine and no future per line (a failure shows at its next offer, room()
        or wait_idle()), and nothing is written while lines are in flight (their answers send more). `word` is
        the command's word (command_word), which the runner has parsed already.
        """
        core = self.core
        if core.pending >= MAX_PENDING:
            return False
        if self.state is not LinkState.READY:
            self._require_ready()
        command = self.safety.check(command, word)
        core.queue(command, word_kind(word), blocks=blocks, tag=tag)
        # Not idle any more; wait_idle() clears _idle itself before it waits, so it is not cleared per line here.
        if not core.in_flight:
            core.pump(time.monotonic())
            if core.out:
                self._flush()
        return True

    async def room(self) -> None:
        """Wait until the queue has room again."""
        while self.core.pending >= MAX_PENDING:
            self._require_ready()
            self._space.clear()
            await self._space.wait()

    async def send(self, command: str) -> None:
        """Send one command and wait until it was acknowledged."""
        await (await self.submit(command, priority=True))

    async def finish_moves(self) -> None:
        """M400; afterwards every line sent has finished, also on firmware that acknowledges lines on receipt."""
        await self.send("M400")
        if not self.profile.quirks.ok_on_receipt:
            return
        # That ok only says M400 arrived; the report of an M105 behind it is printed once M400 has run.
        target = self.core.acked_number
        while self.core.finished_number < target:
            await self.send("M105")
            deadline = time.monotonic() + PROOF_REPOLL_S  # a report lost on the wire: ask again
            while self.core.finished_number < target and time.monotonic() < deadline:
                self._require_ready()
                await asyncio.sleep(0.05)

    async def wait_idle(self) -> None:
        """Wait until nothing is queued or in flight."""
        while not self.core.idle:
            self._require_ready()
            self._idle.clear()
            await self._idle.wait()

    def clear_pending(self) -> int:
        """Drop commands not yet sent (their futures are cancelled); returns how many."""
        dropped = self.core.drop_pending()
        for ticket in dropped:
            if isinstance(ticket, asyncio.Future):
                ticket.cancel()
        self._space.set()
        return len(dropped)

    def break_wait(self) -> bool:
        """Send M108 outside the sequence to end a heating or user wait; True when the emergency parser takes it."""
        if self.state is not LinkState.READY:
            return False
        self.core.send_unnumbered("M108")
        self._flush()
        return self.profile.emergency_parser

    def emergency_stop(self) -> EmergencyStopResult:
        """Stop the printer now: M112 ahead of everything queued or buffered, then the link halts until a reset.

        With the firmware's emergency parser M112 acts as its bytes arrive. Without it the firmware acts when it
        reads the line, which a full command queue delays; then (printer.estop_dtr_reset) the board is also reset.
        """
        now = time.monotonic()
        self.estop_at = now
        dropped = self.core.in_flight + self.core.pending
        parser = self.profile.emergency_parser
        tickets = self.core.halt()
        self._transport.discard_output()
        with contextlib.suppress(PrinterError):
            # The newline first: it ends whatever partial line the discard may have cut.
            self._transport.write(b"\nM112\n")
        self._cancel_timer()
        self._fail(tickets, FirmwareHaltedError("emergency stop: the printer was halted with M112"))
        dtr = not parser and self.config.estop_dtr_reset
        result = EmergencyStopResult(
            path="emergency_parser" if parser else "m112_when_read",
            dtr_reset=dtr,
            dropped_lines=dropped,
            at=time.time(),
        )
        self.last_estop = result
        self._reset_wanted.clear()
        self._set_state(LinkState.HALTED, "emergency stop (M112); reset the printer to continue")
        # Hand over to the connection task at once, whether or not the firmware reports the halt.
        self._lost.set()
        if dtr:
            self._tasks.spawn(f"estop-reset-{now:.3f}", self._hardware_reset)
        return result

    # ---- connection management ------------------------------------------------------------

    async def _maintain_connection(self) -> None:
        backoff = 0.5
        while True:
            if self.state is LinkState.HALTED:
                # A halted printer stays halted until a person asks for a reset made after the halt.
                await self._reset_wanted.wait()
                self._reset_wanted.clear()
                await self._hardware_reset()
            try:
                await self.connect()
                backoff = 0.5
                await self._lost.wait()
            except PrinterError as exc:
                log.warning("printer link: %s", exc)
            if self.state is LinkState.HALTED:
                continue
            if self._reset_wanted.is_set():
                self._reset_wanted.clear()
                await self._hardware_reset()
                continue
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.config.reconnect_max_backoff_s)

    async def _hardware_reset(self) -> None:
        how = await self._transport.hardware_reset()
        log.info("printer reset: %s", how)

    async def _handshake(self) -> None:
        self._set_state(LinkState.HANDSHAKE, "waiting for the firmware")
        self.core = LinkCore(self._settings)
        attempts = 3
        for attempt in range(attempts):
            self._fail(self.core.restart(), PrinterDisconnectedError("link restarted"))
            future = self._queue_internal("M110 N0")
            try:
                # asyncio.timeout, unlike wait_for on 3.11, never swallows a cancellation (stop mid-handshake).
                async with asyncio.timeout(self.config.handshake_timeout_s / attempts):
                    await asyncio.shield(future)
                break
            except TimeoutError:
                if attempt == attempts - 1:
                    raise LinkTimeoutError(
                        f"no answer to M110 from {self._transport.port} within "
                        f"{self.config.handshake_timeout_s:g} s: is it a printer, and is the baud rate "
                        f"{self.config.baud} right?"
                    ) from None
        await self._handshake_command("M115")
        profile = self.profile
        quirks = profile.quirks
        if quirks.checks_lines and quirks.requests_resends and profile.ok_after_resend is None:
            await self._learn_resend_behaviour()
        if quirks.queries_keepalive:
            profile.keepalive_s = None
            await self._handshake_command("M113")
        if profile.autoreport_temperatures:
            await self._handshake_command(f"M155 S{max(1, round(self.config.temperature_interval_s))}")
        log.info("firmware profile: %s", profile.to_dict())

    async def _learn_resend_behaviour(self) -> None:
        """Provoke one checksum error: whether `ok` follows `Resend:` is then a rule, not a guess from timing."""
        core = self.core
        core.learn_resend_behaviour()
        self._flush()
        learning = core.learning
        answered_at: float | None = None
        deadline = time.monotonic() + LEARN_TIMEOUT_S
        while learning is not None and time.monotonic() < deadline:
            if learning.ok_after or learning.executed:
                break
            if (learning.resend or learning.error) and answered_at is None:
                answered_at = time.monotonic()
            if answered_at is not None and time.monotonic() - answered_at >= LEARN_OK_WAIT_S:
                break
            await asyncio.sleep(0.01)
        core.finish_learning()

    async def _handshake_command(self, command: str) -> None:
        try:
            async with asyncio.timeout(self.config.handshake_timeout_s):
                await self._queue_internal(command)
        except TimeoutError:
            raise LinkTimeoutError(
                f"the firmware answered M110 but not {command} within {self.config.handshake_timeout_s:g} s"
            ) from None

    def _queue_internal(self, command: str) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.core.queue(command, line_kind(command), ticket=future)
        self.core.pump(time.monotonic())
        self._flush()
        return future

    async def _poll_temperatures(self) -> None:
        while True:
            await asyncio.sleep(self.config.temperature_interval_s)
            core = self.core
            if (
                self.state is LinkState.READY
                and not self.profile.autoreport_temperatures
                and not core.has_queued("M105")
            ):
                with contextlib.suppress(PrinterError):
                    await self.submit("M105", priority=True, checked=True)

    # ---- moving what the core produced ------------------------------------------------------

    async def _report_health(self) -> None:
        last_acked, last_at = self.stats.lines_acked, time.monotonic()
        while True:
            await asyncio.sleep(HEALTH_INTERVAL_S)
            now, acked = time.monotonic(), self.stats.lines_acked
            # A reconnect starts the counters again: no negative rate.
            self.lines_per_s = round(max(0, acked - last_acked) / (now - last_at), 1)
            last_acked, last_at = acked, now
            if self.state is not LinkState.READY:
                continue
            flow = self.core.flow
            self._bus.publish(
                LinkHealth(
                    lines_per_s=self.lines_per_s,
                    resend_ratio=round(self.stats.resend_ratio(), 4),
                    in_flight=self.in_flight,
                    planner_free=flow.planner_free if flow.advanced else None,
                    queue_free=flow.queue_free,
                )
            )

    def _on_line(self, raw: bytes, at: float) -> None:
        self._on_lines([raw], at)

    def _on_lines(self, lines: list[bytes], at: float) -> None:
        """The lines of one read: each one's bytes go out at once, the rest of the flush once for them all."""
        core = self.core
        console = self.console
        for raw in lines:
            text = raw.decode("ascii", "replace")
            if text:
                console.received(text)
            core.receive(text, at)
            if core.events:
                # An event may change the core (a halt, a restart) before it reads the next line.
                self._flush()
            elif core.out:
                # Not held back for the next answer: the firmware works on these bytes meanwhile.
                self._write_out()
        self._flush()

    def _write_out(self) -> None:
        out = self.core.out
        data = b"".join(out)
        out.clear()
        try:
            self._transport.write(data)
        except PrinterDisconnectedError:
            pass

    def _flush(self) -> None:
        core = self.core
        if core.out:
            self._write_out()
        if core.acked:
            for ticket in core.acked:
                if isinstance(ticket, asyncio.Future) and not ticket.done():
                    ticket.set_result(None)
            core.acked.clear()
        if core.pending <= LOW_WATER:
            self._space.set()
        if core.finished:
            tags = core.finished
            core.finished = []
            if self.on_finished is not None:
                self.on_finished(tags)
        if core.events:
            events = core.events
            core.events = []
            for event in events:
                self._handle(event)
        if core.idle:
            self._idle.set()
        self._arm_timer()

    def _handle(self, event: CoreEvent) -> None:
        if isinstance(event, TemperaturesChanged):
            t = event.temperatures
            self.temperature_log.note(t)
            self._bus.publish(
                TemperatureReport(
                    hotend=t.hotend or 0.0,
                    hotend_target=t.hotend_target or 0.0,
                    bed=t.bed or 0.0,
                    bed_target=t.bed_target or 0.0,
                )
            )
        elif isinstance(event, LinkFailed):
            self._fatal(event.error)
        elif isinstance(event, HostActionRequested):
            self._bus.publish(HostAction(action=event.action))
        elif isinstance(event, FirmwareNotice):
            log.warning("firmware: %s", event.text)
            self._bus.publish(FirmwareMessage(level=event.level, text=event.text))
        elif isinstance(event, FirmwareRestarted):
            self._on_firmware_restart()
        elif isinstance(event, FragmentRan):
            self._on_fragment(event)

    def _on_fragment(self, event: FragmentRan) -> None:
        log.warning(
            "an unnumbered line tail %s on the printer after a line error; it came from one of lines %s",
            "was not understood" if event.unknown else "ran",
            list(event.numbers),
        )
        if self.on_fragment is not None:
            self.on_fragment(event)
        else:
            self._bus.publish(FragmentDetected(job_id=None, candidates=event.numbers, ran=not event.unknown))

    def _on_firmware_restart(self) -> None:
        if self.state is LinkState.READY:
            log.warning("firmware restarted unexpectedly; reconnecting")
            self._fail_all(PrinterDisconnectedError("the firmware restarted (reset or power loss)"))
            self._set_state(LinkState.DISCONNECTED, "firmware restarted")
            self._lost.set()

    # ---- timers ---------------------------------------------------------------------------

    def _arm_timer(self) -> None:
        deadline = self.core.deadline()
        if deadline is None:
            self._cancel_timer()
            return
        # A timer that fires no later than the deadline is kept: when it fires it looks again. This saves
        # creating two timer handles for every line streamed.
        if self._timer is not None and self._timer_at <= deadline:
            return
        self._cancel_timer()
        self._timer = asyncio.get_running_loop().call_at(deadline, self._on_timer)
        self._timer_at = deadline

    def _on_timer(self) -> None:
        self._timer = None
        self.core.on_timer(time.monotonic())
        self._flush()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # ---- failure --------------------------------------------------------------------------

    def _fatal(self, error: LinkError) -> None:
        log.error("%s", error)
        self._cancel_timer()
        self._fail(self.core.halt(), error)
        state = LinkState.HALTED if isinstance(error, FirmwareHaltedError) else LinkState.ERROR
        if state is LinkState.HALTED:
            self._reset_wanted.clear()
        self._set_state(state, error.message)
        self._bus.publish(FirmwareMessage(level="error", text=error.message))
        self._lost.set()

    def _on_lost(self, exc: Exception | None) -> None:
        self._cancel_timer()
        reason = f"serial port {self._transport.port or self.port} lost" + (f": {exc}" if exc else "")
        self._fail_all(PrinterDisconnectedError(reason))
        if self.state not in (LinkState.HALTED, LinkState.ERROR):
            self._set_state(LinkState.DISCONNECTED, reason)
        self._lost.set()

    def _fail_all(self, error: Exception) -> None:
        self._fail(self.core.take_outstanding(), error)

    def _fail(self, tickets: list[object], error: Exception) -> None:
        for ticket in tickets:
            if isinstance(ticket, asyncio.Future) and not ticket.done():
                ticket.set_exception(error)
                ticket.exception()  # mark retrieved: nobody may be waiting
        self._space.set()
        self._idle.set()

    async def until_unusable(self) -> None:
        """Wait while the link can take commands; once it cannot (halted, lost, failed), raise why."""
        while self.state is LinkState.READY:
            await self._unusable.wait()
        self._require_ready()

    def _require_ready(self) -> None:
        if self.state is not LinkState.READY:
            raise PrinterNotReadyError(f"printer is {self.state.value}: {self.detail}")

    def _set_state(self, state: LinkState, detail: str) -> None:
        changed = state is not self.state or detail != self.detail
        self.state, self.detail = state, detail
        if state is LinkState.READY:
            self._ready.set()
            self._unusable.clear()
        else:
            self._unusable.set()
        if changed:
            log.info("printer link %s: %s", state.value, detail)
            self._bus.publish(LinkStateChanged(state=state.value, detail=detail))

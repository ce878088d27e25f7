"""The printer link: numbered lines, resends, flow control, timeouts and temperatures over serial."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import re
import time
from collections import deque
from dataclasses import asdict, dataclass, field

from edge.config.schema import PrinterConfig
from edge.core.component import Health
from edge.core.errors import (
    FirmwareHaltedError,
    LinkError,
    LinkTimeoutError,
    PrinterDisconnectedError,
    PrinterError,
    PrinterNotReadyError,
    ResendLoopError,
)
from edge.core.events import EventBus, FirmwareMessage, HostAction, LinkStateChanged, TemperatureReport
from edge.core.tasks import TaskSupervisor
from edge.gcode.commands import LineKind, line_kind
from edge.gcode.safety import SafetyFilter
from edge.gcode.text import command_word, frame
from edge.printer import protocol as p
from edge.printer.flow import FlowControl, FlowMode
from edge.printer.transport import SerialTransport

log = logging.getLogger("printedge.printer.link")
_LAST_LINE = re.compile(r"Last Line:\s*(\d+)")

MAX_PENDING = 64
# Identical resend requests in a row before the firmware is believed over what the host knew.
INSISTENT_REQUESTS = 3
# Every RESEND_WINDOW acknowledged lines, warn when more than this share had to be sent again.
RESEND_WINDOW = 1000
RESEND_WARN_RATIO = 0.05
# Round trips measured before an answer may be judged too early to belong to the latest transmission.
MIN_RTT_SAMPLES = 8
# Quick probes sent without hearing anything back before waiting for the full timeout.
QUICK_PROBES = 3


class LinkState(enum.StrEnum):
    """Where the link is; only READY accepts commands."""

    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    HANDSHAKE = "handshake"
    READY = "ready"
    HALTED = "halted"
    ERROR = "error"


@dataclass(slots=True)
class _Line:
    number: int
    command: str
    data: bytes
    kind: LineKind
    future: asyncio.Future[None] | None
    # Running totals over all lines up to this one: range queries in O(1) for flow control.
    total_bytes: int = 0
    total_moves: int = 0
    total_blocking: int = 0
    sent_at: float = 0.0
    sends: int = 0


@dataclass(slots=True)
class _Pending:
    command: str
    future: asyncio.Future[None]


@dataclass
class LinkStats:
    """Counters that tell how healthy the link is."""

    lines_acked: int = 0
    bytes_acked: int = 0
    transmissions: int = 0
    retransmissions: int = 0
    resend_requests: int = 0
    stale_resends: int = 0
    line_errors: int = 0
    false_acks: int = 0
    stray_oks: int = 0
    unrecognized: int = 0
    probes: int = 0
    timeouts: int = 0
    busy: int = 0
    realignments: int = 0
    rtt_min_ms: float | None = None

    def resend_ratio(self) -> float:
        """Retransmitted lines per acknowledged line."""
        return self.retransmissions / self.lines_acked if self.lines_acked else 0.0


@dataclass
class Firmware:
    """What the firmware told us about itself."""

    name: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    capabilities: dict[str, bool] = field(default_factory=dict)
    advanced_ok: bool = False


class PrinterLink:
    """Owns the serial port and the Marlin line protocol; every command to the printer goes through it."""

    name = "printer"

    def __init__(self, config: PrinterConfig, bus: EventBus, *, port: str | None = None) -> None:
        self.config = config
        self.port = port or config.port
        self._bus = bus
        self.safety = SafetyFilter(config.limits, config.max_line_length)
        max_lines = config.max_inflight_lines if config.window == "auto" else int(config.window)
        self.flow = FlowControl(
            max_lines=max_lines,
            rx_buffer_size=config.rx_buffer_size,
            clean_lines_to_widen=config.clean_lines_to_widen,
        )
        self.state = LinkState.DISCONNECTED
        self.detail = "not connected yet"
        self.firmware = Firmware()
        self.temperatures = p.Temperatures()
        self.stats = LinkStats()
        self.estop_at: float | None = None
        self._transport = SerialTransport(self._on_line, self._on_lost)
        self._tasks = TaskSupervisor("printer")
        self._pending: deque[_Pending] = deque()
        self._space = asyncio.Event()
        self._idle = asyncio.Event()
        self._lost = asyncio.Event()
        self._reset_requested = asyncio.Event()
        self._ready = asyncio.Event()
        self._lines: dict[int, _Line] = {}
        self._oldest = 0
        self._acked = 0
        # Highest line an `ok N<line>` confirmed; a Resend below it is stale or damaged.
        self._confirmed = 0
        self._send_ptr = 1
        self._next_number = 1
        self._max_sent = 0
        self._resend_counts: dict[int, int] = {}
        self._request_line = -1
        self._request_count = 0
        self._error_last_line: int | None = None
        self._ratio_lines = 0
        self._ratio_resent = 0
        self._timer: asyncio.TimerHandle | None = None
        self._last_progress = 0.0
        self._probes_in_row = 0
        self._suspect_lost_ok = False
        self._quiet_probes = 0
        self._rtt_min = 0.05
        self._rtt_samples = 0
        self._rtt_avg = 0.05
        self._autoreport = False
        self.recent: deque[str] = deque(maxlen=12)

    # ---- component contract -------------------------------------------------------------

    async def start(self) -> None:
        """Connect in the background, reconnecting with backoff."""
        self._tasks.spawn("connection", self._maintain_connection)
        self._tasks.spawn("temperatures", self._poll_temperatures, restart=True)

    async def stop(self) -> None:
        """Close the port and fail whatever was still waiting."""
        await self._tasks.cancel_all()
        await self.disconnect()

    def status(self) -> dict[str, object]:
        """JSON-ready snapshot."""
        return {
            "state": self.state.value,
            "detail": self.detail,
            "port": self._transport.port or self.port,
            "firmware": self.firmware.name,
            "capabilities": self.firmware.capabilities,
            "advanced_ok": self.flow.advanced,
            "flow_mode": self.flow.mode.value,
            "in_flight": max(0, self._send_ptr - 1 - self._acked),
            "pending": len(self._pending),
            "temperatures": asdict(self.temperatures),
            "stats": asdict(self.stats) | {"resend_ratio": round(self.stats.resend_ratio(), 4)},
        }

    def health(self) -> Health:
        """Healthy when ready; halted, errored or disconnected links are not."""
        return Health(self.state is LinkState.READY, f"{self.state.value}: {self.detail}")

    # ---- public control surface ---------------------------------------------------------

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
        self._set_state(LinkState.READY, f"{self.firmware.name or 'firmware'} on {self._transport.port}")

    async def disconnect(self) -> None:
        """Close the port; pending and in-flight commands fail."""
        self._cancel_timer()
        await self._transport.close()
        self._fail_all(PrinterDisconnectedError("link closed"))
        if self.state not in (LinkState.HALTED, LinkState.ERROR):
            self._set_state(LinkState.DISCONNECTED, "closed")

    async def reset(self, wait_s: float = 15.0) -> None:
        """Reconnect after an emergency stop or error (reopening the port resets most boards).

        Returns once the link is ready again, or after wait_s with the link in whatever state it reached.
        """
        if not self._tasks.running("connection"):
            await self.connect()
            return
        self._ready.clear()
        self._reset_requested.set()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait_s):
                await self._ready.wait()

    async def submit(self, command: str, *, priority: bool = False) -> asyncio.Future[None]:
        """Queue one command (safety-checked); the future resolves when the firmware acknowledged it."""
        command = self.safety.check(command.strip())
        while len(self._pending) >= MAX_PENDING:
            self._require_ready()
            self._space.clear()
            await self._space.wait()
        self._require_ready()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        item = _Pending(command, future)
        if priority:
            self._pending.appendleft(item)
        else:
            self._pending.append(item)
        self._idle.clear()
        self._pump()
        return future

    async def send(self, command: str) -> None:
        """Send one command and wait until it was acknowledged."""
        await (await self.submit(command, priority=True))

    async def wait_idle(self) -> None:
        """Wait until nothing is queued or in flight."""
        while self._pending or self._acked < self._next_number - 1:
            self._require_ready()
            self._idle.clear()
            await self._idle.wait()

    def clear_pending(self) -> int:
        """Drop commands not yet sent (their futures are cancelled); returns how many."""
        dropped = len(self._pending)
        while self._pending:
            self._pending.popleft().future.cancel()
        self._space.set()
        return dropped

    def emergency_stop(self) -> None:
        """Put M112 on the wire now, ahead of everything queued, and halt the link."""
        self.estop_at = time.monotonic()
        with contextlib.suppress(PrinterError):
            self._transport.write(b"M112\n")
        self._cancel_timer()
        self._fail_all(FirmwareHaltedError("emergency stop: the printer was halted with M112"))
        self._set_state(LinkState.HALTED, "emergency stop (M112); reset the printer to continue")
        # Hand over to the connection task at once, whether or not the firmware reports the halt.
        self._lost.set()

    @property
    def in_flight(self) -> int:
        """Lines sent and not yet acknowledged."""
        return max(0, self._send_ptr - 1 - self._acked)

    # ---- connection management ------------------------------------------------------------

    async def _maintain_connection(self) -> None:
        backoff = 0.5
        while True:
            try:
                await self.connect()
                backoff = 0.5
                await self._lost.wait()
            except PrinterError as exc:
                log.warning("printer link: %s", exc)
            if self.state is LinkState.HALTED:
                # A halted printer stays halted until a person asks for a reset.
                await self._reset_requested.wait()
                self._reset_requested.clear()
                continue
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.config.reconnect_max_backoff_s)

    async def _handshake(self) -> None:
        self._set_state(LinkState.HANDSHAKE, "waiting for the firmware")
        self.firmware = Firmware()
        self.flow.advanced = False
        attempts = 3
        for attempt in range(attempts):
            self._reset_numbering()
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
        self._autoreport = self.firmware.capabilities.get("AUTOREPORT_TEMP", False)
        if self._autoreport:
            await self._handshake_command(f"M155 S{max(1, round(self.config.temperature_interval_s))}")

    async def _handshake_command(self, command: str) -> None:
        try:
            async with asyncio.timeout(self.config.handshake_timeout_s):
                await self._queue_internal(command)
        except TimeoutError:
            raise LinkTimeoutError(
                f"the firmware answered M110 but not {command} within {self.config.handshake_timeout_s:g} s"
            ) from None

    def _reset_numbering(self) -> None:
        self._fail_all(PrinterDisconnectedError("link restarted"))
        self._lines.clear()
        self._resend_counts.clear()
        self._oldest = 0
        self._acked = -1
        self._confirmed = -1
        self._send_ptr = 0
        self._next_number = 0
        self._max_sent = -1

    def _queue_internal(self, command: str) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(command, future))
        self._pump()
        return future

    async def _poll_temperatures(self) -> None:
        while True:
            await asyncio.sleep(self.config.temperature_interval_s)
            busy = any(item.command == "M105" for item in self._pending)
            if self.state is LinkState.READY and not self._autoreport and not busy:
                with contextlib.suppress(PrinterError):
                    await self.submit("M105", priority=True)

    # ---- sending ------------------------------------------------------------------------

    def _pump(self) -> None:
        if self.state not in (LinkState.READY, LinkState.HANDSHAKE) or not self._transport.is_open:
            return
        out: list[bytes] = []
        now = time.monotonic()
        while True:
            if self._send_ptr < self._next_number:
                line = self._lines[self._send_ptr]
            elif self._pending:
                item = self._pending[0]
                kind = line_kind(item.command)
                if not self.flow.may_send(self._acked, self._send_ptr, self, 0, kind):
                    break
                self._pending.popleft()
                number = self._next_number
                data = frame(number, item.command)
                line = _Line(number, item.command, data, kind, item.future)
                before = self._lines.get(number - 1)
                if before is not None:
                    line.total_bytes, line.total_moves = before.total_bytes, before.total_moves
                    line.total_blocking = before.total_blocking
                line.total_bytes += len(data)
                line.total_moves += kind is LineKind.MOVE
                line.total_blocking += kind.may_block
                self._lines[number] = line
                self._next_number += 1
                self._space.set()
            else:
                break
            if not self.flow.may_send(self._acked, self._send_ptr, self, len(line.data), line.kind):
                break
            out.append(line.data)
            line.sent_at = now
            line.sends += 1
            self.stats.transmissions += 1
            if line.sends > 1:
                self.stats.retransmissions += 1
            self._send_ptr += 1
            self._max_sent = max(self._max_sent, line.number)
        if out:
            try:
                self._transport.write(b"".join(out))
            except PrinterDisconnectedError:
                return
            self._arm_timer()

    def moves(self, first: int, end: int) -> int:
        """Single-block moves among the lines numbered [first, end) (flow control's view of what was sent)."""
        if end <= first:
            return 0
        last, before = self._lines[end - 1], self._lines.get(first - 1)
        return last.total_moves - (before.total_moves if before else 0)

    def blocking(self, first: int, end: int) -> int:
        """Lines that may keep the firmware busy among those numbered [first, end)."""
        if end <= first:
            return 0
        last, before = self._lines[end - 1], self._lines.get(first - 1)
        return last.total_blocking - (before.total_blocking if before else 0)

    def size(self, first: int, end: int) -> int:
        """Bytes of the lines numbered [first, end)."""
        if end <= first:
            return 0
        before = self._lines.get(first - 1)
        return self._lines[end - 1].total_bytes - (before.total_bytes if before else 0)

    # ---- receiving ----------------------------------------------------------------------

    def _on_line(self, raw: bytes, at: float) -> None:
        text = raw.decode("ascii", "replace")
        if not text.strip():
            return
        self.recent.append(text)
        self._quiet_probes = 0
        self._probes_in_row = 0
        reply = p.parse_reply(text)
        if isinstance(reply, p.Ok):
            self._on_ok(reply, at)
        elif isinstance(reply, p.Resend):
            self._on_resend(reply.number, at)
        elif isinstance(reply, p.FirmwareError):
            self._on_error(reply)
        elif isinstance(reply, p.TemperatureLine):
            self._update_temperatures(reply.temperatures)
        elif isinstance(reply, p.Busy):
            self.stats.busy += 1
            self._last_progress = at
        elif isinstance(reply, p.Wait):
            if self.in_flight and at - self._lines[self._acked + 1].sent_at > 1.0:
                self._probe("firmware says wait while a line is unanswered")
        elif isinstance(reply, p.Start):
            self._on_firmware_restart()
        elif isinstance(reply, p.Action):
            self._bus.publish(HostAction(action=reply.name))
        elif isinstance(reply, p.FirmwareInfo):
            self.firmware.fields = reply.fields
            self.firmware.name = reply.fields.get("FIRMWARE_NAME", "")
        elif isinstance(reply, p.Capability):
            self.firmware.capabilities[reply.name] = reply.enabled
        elif isinstance(reply, p.Echo):
            if reply.unknown_command:
                self._bus.publish(FirmwareMessage(level="warning", text=reply.text))
        else:
            self.stats.unrecognized += 1
            self._suspect_garbled()
        self._arm_timer()

    def _on_ok(self, ok: p.Ok, at: float) -> None:
        if ok.temperatures is not None:
            self._update_temperatures(ok.temperatures)
        if ok.number is not None:
            self.flow.advanced = self.firmware.advanced_ok = True
            n = ok.number
            if self._acked < n <= self._max_sent:
                self.flow.note_advanced_ok(n, ok.planner_free, ok.queue_free)
                self._confirmed = n
                self._ack_upto(n, at)
            else:
                self.stats.stray_oks += 1
                self._suspect_garbled()
            return
        if self.flow.advanced and (ok.planner_free is not None or ok.queue_free is not None):
            # An advanced ok whose N was damaged on the way: it answered something, but what?
            self.stats.stray_oks += 1
            self._suspect_garbled()
            return
        if not self.in_flight:
            self.stats.stray_oks += 1
            return
        oldest = self._lines[self._acked + 1]
        if at - oldest.sent_at < self._stale_window():
            # Too soon to answer the latest transmission: it belongs to an earlier line or a resend.
            self.stats.stray_oks += 1
            return
        if self.flow.advanced and not (ok.temperatures and command_word(oldest.command) == "M105"):
            self.stats.stray_oks += 1
            return
        self._ack_upto(self._acked + 1, at)

    def _ack_upto(self, n: int, at: float) -> None:
        old = self._acked
        self._last_progress = at
        for number in range(old + 1, n + 1):
            line = self._lines[number]
            if line.future is not None and not line.future.done():
                line.future.set_result(None)
            self.stats.bytes_acked += len(line.data)
        last = self._lines[n]
        if last.sends == 1 and last.sent_at:
            rtt = at - last.sent_at
            if rtt > 0:
                self._rtt_samples += 1
                self._rtt_min = min(self._rtt_min, rtt)
                self._rtt_avg = 0.9 * self._rtt_avg + 0.1 * rtt
                self.stats.rtt_min_ms = round(self._rtt_min * 1000, 3)
        self.stats.lines_acked += n - old
        self._acked = n
        self._send_ptr = max(self._send_ptr, n + 1)
        self._suspect_lost_ok = False
        self._request_line, self._request_count = -1, 0
        self._resend_counts.clear()
        self.flow.note_clean(n - old)
        self._evict()
        if self.stats.lines_acked - self._ratio_lines >= RESEND_WINDOW:
            self._check_resend_ratio()
        if not self._pending and self._acked >= self._next_number - 1:
            self._idle.set()
        self._pump()

    def _check_resend_ratio(self) -> None:
        lines = self.stats.lines_acked - self._ratio_lines
        resent = self.stats.retransmissions - self._ratio_resent
        self._ratio_lines, self._ratio_resent = self.stats.lines_acked, self.stats.retransmissions
        if resent > lines * RESEND_WARN_RATIO:
            text = (
                f"{resent} of the last {lines} lines had to be sent again ({resent / lines:.0%}): the serial link "
                "is noisy; check the USB cable and its shielding, or lower printer.baud"
            )
            log.warning("%s", text)
            self._bus.publish(FirmwareMessage(level="warning", text=text))

    def _on_resend(self, m: int, at: float) -> None:
        self.stats.resend_requests += 1
        self._last_progress = at
        self.flow.fall_back()
        insistent = self._note_request(m)
        if m > self._max_sent + 1:
            self._on_firmware_ahead(m, insistent)
            return
        if (m <= self._confirmed or m < self._acked + 1 - self.flow.max_lines) and not insistent:
            # An `ok N` already proved these lines ran (and counted plain oks cannot be this far off):
            # the number is stale or was corrupted on the way.
            self.stats.stale_resends += 1
            self._suspect_garbled()
            return
        # An insistent firmware wins over an `ok N` whose number may itself have been damaged.
        self._confirmed = min(self._confirmed, m - 1)
        if m < self._oldest:
            self._fatal(ResendLoopError(f"firmware asked for line {m}, older than the {len(self._lines)} lines kept"))
            return
        if m - 1 > self._acked:
            self._ack_upto(m - 1, at)
        elif m - 1 < self._acked:
            self.stats.false_acks += self._acked - (m - 1)
            self._acked = m - 1
        if m > self._max_sent:
            return
        if at - self._lines[m].sent_at < self._stale_window():
            self.stats.stale_resends += 1
            self._suspect_garbled()
            return
        self._suspect_lost_ok = False
        count = self._resend_counts.get(m, 0) + 1
        self._resend_counts[m] = count
        if count > self.config.resend_loop_limit:
            self._fatal(ResendLoopError(f"firmware asked for line {m} {count} times in a row: the link is too noisy"))
            return
        self._send_ptr = m
        self._pump()

    def _note_request(self, m: int) -> bool:
        """Whether the firmware insists on line m: asked for it again and again, its errors naming m - 1.

        Damaged digits differ from one request to the next; a firmware that really wants a line asks for
        the same one each time, and the `Last Line:` of its error line agrees.
        """
        if m == self._request_line:
            self._request_count += 1
        else:
            self._request_line, self._request_count = m, 1
        return self._request_count >= INSISTENT_REQUESTS and self._error_last_line == m - 1

    def _on_firmware_ahead(self, m: int, insistent: bool) -> None:
        """A Resend for a line never sent: a damaged number, or a damaged line that passed its checksum."""
        if not insistent:
            log.debug("firmware asked for line %d, which was never sent (last sent %d)", m, self._max_sent)
            self._suspect_garbled()
            return
        # The firmware really counted a line we never sent (two flips of the same bit in one line escape the
        # XOR checksum, here in its line number). Everything we sent did run; set its counter back to ours.
        log.warning(
            "firmware line counter is ahead (asks for %d, last sent %d): a damaged line passed its checksum; "
            "realigning with M110",
            m,
            self._max_sent,
        )
        self.stats.realignments += 1
        self._request_line, self._request_count = -1, 0
        last = self._max_sent
        if last > self._acked:
            self._ack_upto(last, time.monotonic())
        with contextlib.suppress(PrinterError):
            self._transport.write(frame(last, f"M110 N{last}"))

    def _on_error(self, error: p.FirmwareError) -> None:
        if error.fatal:
            self._fatal(FirmwareHaltedError(f"firmware halted: {error.text}"))
            return
        if error.line_error:
            self.stats.line_errors += 1
            found = _LAST_LINE.search(error.text)
            self._error_last_line = int(found.group(1)) if found else None
            self.flow.fall_back()
            # A Resend should follow; if it was lost on the way, probe soon.
            self._suspect_garbled()
            return
        self._bus.publish(FirmwareMessage(level="error", text=error.text))

    def _on_firmware_restart(self) -> None:
        if self.state is LinkState.READY:
            log.warning("firmware restarted unexpectedly; reconnecting")
            self._fail_all(PrinterDisconnectedError("the firmware restarted (reset or power loss)"))
            self._set_state(LinkState.DISCONNECTED, "firmware restarted")
            self._lost.set()

    def _update_temperatures(self, t: p.Temperatures) -> None:
        cur = self.temperatures
        self.temperatures = p.Temperatures(
            hotend=t.hotend if t.hotend is not None else cur.hotend,
            hotend_target=t.hotend_target if t.hotend_target is not None else cur.hotend_target,
            bed=t.bed if t.bed is not None else cur.bed,
            bed_target=t.bed_target if t.bed_target is not None else cur.bed_target,
        )
        n = self.temperatures
        self._bus.publish(
            TemperatureReport(
                hotend=n.hotend or 0.0,
                hotend_target=n.hotend_target or 0.0,
                bed=n.bed or 0.0,
                bed_target=n.bed_target or 0.0,
            )
        )

    # ---- timeouts -----------------------------------------------------------------------

    def _suspect_garbled(self) -> None:
        if self.in_flight and self.flow.mode is FlowMode.PING_PONG:
            # Possibly a corrupted answer: probe soon instead of waiting for the full timeout.
            self._suspect_lost_ok = True

    def _stale_window(self) -> float:
        # Until a few round trips have been measured, nothing can be judged too early to be an answer.
        return 0.5 * self._rtt_min if self._rtt_samples >= MIN_RTT_SAMPLES else 0.0

    def _arm_timer(self) -> None:
        deadline = self._deadline()
        if deadline is None:
            self._cancel_timer()
            return
        # A timer that fires no later than the deadline is kept: when it fires it looks again. This saves
        # creating two timer handles for every line streamed.
        if self._timer is not None and self._timer.when() <= deadline:
            return
        self._cancel_timer()
        self._timer = asyncio.get_running_loop().call_at(deadline, self._on_timeout)

    def _deadline(self) -> float | None:
        if not self.in_flight or self.state not in (LinkState.READY, LinkState.HANDSHAKE):
            return None
        if self._quiet_probes < QUICK_PROBES and self._suspect_lost_ok:
            delay = max(0.005, 4 * self._rtt_avg)
        elif self._quiet_probes < QUICK_PROBES and self._expect_quick_answer():
            delay = max(0.025, 8 * self._rtt_avg)
        elif self.blocking(self._acked + 1, self._send_ptr):
            delay = self.config.long_command_timeout_s
        else:
            delay = self.config.command_timeout_s
        return max(self._last_progress, self._lines[self._send_ptr - 1].sent_at) + delay

    def _expect_quick_answer(self) -> bool:
        """One line in flight that cannot block (free planner blocks, no wait): its answer is a round trip away.

        Silence then means the line or its answer was damaged (a lost newline leaves half a line waiting
        in the firmware), and probing at once is safe because the line number guards against repeats.
        """
        if self.in_flight != 1 or self.flow.planner_free < 2:
            return False
        return not self._lines[self._acked + 1].kind.may_block

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _on_timeout(self) -> None:
        self._timer = None
        deadline = self._deadline()
        if deadline is None:
            return
        if time.monotonic() < deadline:
            self._timer = asyncio.get_running_loop().call_at(deadline, self._on_timeout)
            return
        if self._quick_probe_due():
            self._probe("garbled or missing answer")
            return
        self.stats.timeouts += 1
        self._probes_in_row += 1
        if self._probes_in_row > self.config.probe_attempts:
            self._fatal(
                LinkTimeoutError(
                    f"printer stopped answering: line {self._acked + 1} unacknowledged after "
                    f"{self._probes_in_row - 1} probes"
                )
            )
            return
        log.debug("timeout on line %d; last received: %s", self._acked + 1, list(self.recent))
        self._probe("no answer")

    def _quick_probe_due(self) -> bool:
        # Quick probes only while the printer is evidently alive; silence waits for the full timeout.
        return self._quiet_probes < QUICK_PROBES and (self._suspect_lost_ok or self._expect_quick_answer())

    def _probe(self, why: str) -> None:
        log.debug("probing line %d: %s", self._acked + 1, why)
        self.stats.probes += 1
        self._suspect_lost_ok = False
        self._quiet_probes += 1
        self.flow.fall_back()
        self._send_ptr = self._acked + 1
        self._pump()

    # ---- failure ------------------------------------------------------------------------

    def _fatal(self, error: LinkError) -> None:
        log.error("%s", error)
        self._cancel_timer()
        self._fail_all(error)
        state = LinkState.HALTED if isinstance(error, FirmwareHaltedError) else LinkState.ERROR
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
        for line in self._lines.values():
            if line.future is not None and not line.future.done():
                line.future.set_exception(error)
                line.future.exception()  # mark retrieved: nobody may be waiting
        while self._pending:
            item = self._pending.popleft()
            if not item.future.done():
                item.future.set_exception(error)
                item.future.exception()
        self._acked = self._send_ptr - 1
        self._space.set()
        self._idle.set()

    def _require_ready(self) -> None:
        if self.state is not LinkState.READY:
            raise PrinterNotReadyError(f"printer is {self.state.value}: {self.detail}")

    def _evict(self) -> None:
        keep_from = self._acked - self.config.history_size
        while self._oldest < keep_from:
            self._lines.pop(self._oldest, None)
            self._oldest += 1

    def _set_state(self, state: LinkState, detail: str) -> None:
        changed = state is not self.state or detail != self.detail
        self.state, self.detail = state, detail
        if state is LinkState.READY:
            self._ready.set()
        if changed:
            log.info("printer link %s: %s", state.value, detail)
            self._bus.publish(LinkStateChanged(state=state.value, detail=detail))

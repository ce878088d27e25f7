"""Marlin's serial input, line checks, command queue and main loop, as a discrete-event simulation."""

from __future__ import annotations

import random
import uuid
from collections import deque
from collections.abc import Callable

from edge.printer.simulator.commands import BUSY_PROCESSING, Command, Commands, Handler, Wake
from edge.printer.simulator.dialects import dialect_for
from edge.printer.simulator.dialects.base import command_text
from edge.printer.simulator.executed import ExecutedLog
from edge.printer.simulator.heaters import Heater
from edge.printer.simulator.planner import Planner
from edge.printer.simulator.rx import RxBuffer
from edge.printer.simulator.settings import ExecutedLine, SimulatorSettings, SimulatorStats
from edge.printer.simulator.stalls import Holds
from edge.printer.simulator.wire import INF, Corrupter, InputWire

__all__ = ["Firmware", "command_text"]


class Firmware:
    """Marlin 2.x behind the wire. Time is simulated (`t`) and advanced to the wall clock by run()."""

    def __init__(
        self,
        settings: SimulatorSettings,
        stats: SimulatorStats,
        log: ExecutedLog,
        rng: random.Random,
        emit: Callable[[str, float], float],
        clock: Callable[[], float],
    ) -> None:
        self.settings = settings
        self.stats = stats
        self.log = log
        self.rng = rng
        self._emit = emit
        self.bufsize = max(1, settings.command_buffer)
        self.dialect = dialect_for(settings)
        corrupter = Corrupter(settings.fault_rate_in, rng)
        parser = self.dialect.scans_input()
        self.wire = InputWire(settings.baud, settings.latency_ms / 1000.0, corrupter, parser=parser)
        self.rx = RxBuffer(settings.rx_buffer, stats)
        self.holds = Holds(settings, stats)
        self.command_s = self.holds.command_s
        self.blocking = self.holds.blocking
        self.planner = Planner(settings.planner_buffer - 1)
        self.hotend = Heater(20.0, settings.time_scale, clock)
        self.bed = Heater(40.0, settings.time_scale, clock)
        self.hotend.set_fault(settings.hotend_fault, 0.0)
        self.bed.set_fault(settings.bed_fault, 0.0)
        self.commands = Commands(self)
        self.uuid = uuid.UUID(int=random.Random(settings.seed).getrandbits(128), version=4)
        self.t = 0.0
        # Fault injection, consumed by the next line / ok / command.
        self.lose_oks = 0
        self.swallow_lines = 0
        self.errors_without_resend = 0
        self.busy_injection = 0.0
        self._power_on(0.0)

    def _power_on(self, t: float) -> None:
        """Every piece of state a reset clears."""
        self.rx.reset()
        self.holds.reset(t)
        self.queue: deque[Command] = deque()
        self.current: Wake | None = None
        self.wake = INF
        self.busy_next = INF
        self.busy_text = BUSY_PROCESSING
        self.busy_interval = self.settings.busy_interval_s
        self.no_ok = False
        self.cancel_wait = False
        self.killed = False
        self.last_n = 0
        self.autoreport = 0.0
        self.autoreport_next = INF
        self.idle_wait = self.settings.idle_wait or self.dialect.idle_wait
        self.idle_next = t + 1.0 if self.idle_wait else INF
        self.highest = -1  # the highest line number executed since power-on
        self.dialect.reset()

    # -- the event loop ---------------------------------------------------------------------------

    def run(self, now: float) -> float:
        """Process every event up to `now`; returns when the firmware next needs attention."""
        wire = self.wire
        holds = self.holds
        while True:
            if self.killed:
                wire.take(now)
                wire.emergencies.clear()
                self.t = max(self.t, now)
                return INF
            when = wire.next_emergency()
            action = self._on_emergency
            if self.current is not None:
                if self.wake < when:
                    when, action = self.wake, self._resume
                if self.busy_next < when:
                    when, action = self.busy_next, self._on_busy
                if self._reads_now():
                    read = self.t if self.rx.backlog else wire.next_eol()
                    if read < when:
                        when, action = max(read, self.t), self._read_busy
            elif self.queue or self.rx.backlog:
                if self.t < when:
                    when, action = self.t, self._service
            else:
                eol = wire.next_eol()
                if eol < when:
                    when, action = eol, self._service
                if self.idle_next < when:
                    when, action = self.idle_next, self._on_idle
            if self.autoreport_next < when:
                when, action = self.autoreport_next, self._on_autoreport
            if holds.next_stall < when:
                when, action = holds.next_stall, self._on_stall
            if holds.until > self.t:
                # Held: only the serial ISR works; everything due meanwhile waits for the hold to end.
                when, action = holds.until, self._end_hold
            if when > now:
                self._deliver(now)
                self.t = max(self.t, now)
                if (self.current is not None or self.queue or holds.until > self.t) and wire.pending():
                    when = min(when, wire.last_arrival())  # keep overflow accounting up to date
                return when
            self._deliver(when)
            self.t = max(self.t, when)
            action()

    def feed(self, data: bytes, now: float) -> None:
        """Bytes the host wrote, read from the pty at `now`."""
        self.stats.bytes_in += len(data)
        self.stats.corrupted_in += self.wire.feed(data, now)

    def _deliver(self, t: float) -> None:
        """Move the bytes that arrived by t into the RX buffer; a full buffer loses them."""
        wire = self.wire
        if wire.first_arrival() > t:
            return
        data, hits = wire.take(t)
        if data:
            idle = self.current is None and not self.queue
            reading = (idle or self._reads_now()) and self.holds.until <= self.t
            self.rx.put(data, hits, reading)

    def _reads_now(self) -> bool:
        """Whether the firmware moves lines from RX into its queue while a command runs (Repetier)."""
        return self.dialect.reads_while_busy and len(self.queue) < self.bufsize and not self.killed

    def _read_busy(self) -> None:
        if self.holds.until <= self.t:
            self._read_lines()

    def _service(self) -> None:
        """Marlin's loop between commands: read lines into the queue, then run the next command."""
        while self.current is None and not self.killed and self.holds.until <= self.t:
            if len(self.queue) < self.bufsize:
                self._read_lines()
                if self.killed or self.holds.until > self.t:
                    return
            if not self.queue:
                return
            self._start(self.queue[0])

    def _start(self, command: Command) -> None:
        stats = self.stats
        commands = self.commands
        handler = commands.handler_for(command.text)
        x, y, z, e = commands.position
        number = command.number
        unknown = handler is commands.unknown_handler
        line = ExecutedLine(number, command.text, command.damaged, self.t, command.fragment, unknown, (x, y, z, e))
        self.log.add(line)
        stats.commands_executed += 1
        if number is None:
            stats.unnumbered_executed += 1
        elif number > self.highest:
            self.highest = number
        stats.executed_corrupted += command.damaged
        self.no_ok = False
        self.busy_text = BUSY_PROCESSING
        if self.command_s > 0.0 or self.busy_injection > 0.0:
            busy, self.busy_injection = self.busy_injection, 0.0
            self.holds.hold(self.t, self.t + self.command_s)
            work: Wake | None = self._delayed(command, handler, busy)
        else:
            commands.line = number
            work = handler(command.text)
        if work is None:
            self._finish()
            return
        self.current = work
        keepalive = self.busy_interval > 0.0 and self.dialect.busy_keepalive
        self.busy_next = self.t + self.busy_interval if keepalive else INF
        self._step()

    def _delayed(self, command: Command, handler: Handler, busy: float) -> Wake:
        """The command after the firmware's own time (a hold) and an injected busy period (a wait)."""
        while self.holds.until > self.t:
            yield self.holds.until
        end = self.t + busy
        while self.t < end:
            yield end
        self.commands.line = command.number
        work = handler(command.text)
        if work is not None:
            yield from work

    def _step(self) -> None:
        assert self.current is not None
        try:
            self.wake = next(self.current)
        except StopIteration:
            self.current = None
            self.wake = INF
            self.busy_next = INF
            self._finish()

    def _resume(self) -> None:
        self._step()
        if self.current is None:
            self._service()

    def _finish(self) -> None:
        """The command is done: ok (Marlin counts it in B until after the ok), then off the queue."""
        if self.killed or not self.queue:
            return
        if not self.no_ok and not self.dialect.ok_on_receipt:
            self.send_ok(self.ok_text(self.queue[0].number))
        self.queue.popleft()

    def abort_current(self, lines: list[str]) -> None:
        """End the running command at once with these lines and its ok (Klipper's shutdown inside a wait)."""
        if self.current is None:
            return
        self.current.close()
        self.current = None
        self.wake = self.busy_next = INF
        self.emit_lines(lines)
        self._finish()

    def _on_busy(self) -> None:
        self.emit(self.busy_text)
        self.stats.busy_messages += 1
        self.busy_next += self.busy_interval if self.busy_interval > 0.0 else INF

    def _on_autoreport(self) -> None:
        self.emit(self.temperature_report())
        self.autoreport_next += self.autoreport
        if self.autoreport_next <= self.t:
            self.autoreport_next = self.t + self.autoreport

    def _on_idle(self) -> None:
        self.emit("wait")
        self.idle_next = self.t + 1.0

    def _on_stall(self) -> None:
        self.holds.stall(self.t)

    def _end_hold(self) -> None:
        then, self.holds.then = self.holds.then, None
        if then is not None:
            then()

    def _on_emergency(self) -> None:
        event = self.wire.emergencies.popleft()
        if not self.dialect.emergency_acts(self, event):
            return
        if event.kind == b"112" and self.stats.emergency_stop_at is None:
            self.stats.emergency_stop_at = event.first
        self.critical(event.kind)

    def critical(self, kind: bytes) -> None:
        """M112 halts, M410 drops the planned moves, M108 ends a wait for heating or the user."""
        if kind == b"112":
            self.dialect.emergency_stop(self)
            return
        if kind == b"410":
            self.planner.clear(self.t)
            self.commands.in_sequence = False
        self.cancel_wait = kind == b"108" or self.cancel_wait
        if self.current is not None:
            self.wake = self.t

    # -- serial input -----------------------------------------------------------------------------

    def _read_lines(self) -> None:
        """Marlin's get_serial_commands(): complete lines from RX into the queue while it has room."""
        rx = self.rx
        while rx.backlog and len(self.queue) < self.bufsize:
            line = rx.next_line()
            if line is None:
                return
            raw, damaged, fragment = line
            if raw and not self._accept(raw, damaged, fragment):
                return

    def _accept(self, raw: bytes, damaged: bool, fragment: bool) -> bool:
        """Check one line and queue it; False after a line error (RX drained, resend requested)."""
        settings = self.settings
        stats = self.stats
        cut = raw.find(b";")
        if cut >= 0:
            raw = raw[:cut]
        limit = max(1, settings.max_line_length - 1)
        if len(raw) > limit:
            raw = raw[:limit]
            stats.long_lines += 1
        line = raw.lstrip(b" ")
        if not line.strip():
            return True
        stats.lines_received += 1
        if self.swallow_lines:
            self.swallow_lines -= 1
            stats.lines_swallowed += 1
            return True
        if self.errors_without_resend:
            self.errors_without_resend -= 1
            stats.line_errors += 1
            self.emit(f"Error:checksum mismatch, Last Line: {self.last_n}")
            return True
        return self.dialect.accept(self, line, damaged, fragment)

    def enqueue(self, number: int | None, line: bytes, damaged: bool, fragment: bool) -> None:
        """A line that passed the dialect's checks joins the command queue."""
        self.queue.append(Command(number, command_text(line), damaged, fragment))
        self.stats.max_queue_depth = max(self.stats.max_queue_depth, len(self.queue))
        if self.idle_wait:
            self.idle_next = self.t + 1.0

    def line_error(self, message: str) -> bool:
        """Error, drain RX, `Resend: last+1`, plain ok (Marlin's gcode_line_error)."""
        self.stats.line_errors += 1
        self.emit(f"Error:{message}, Last Line: {self.last_n}")
        if self.holds.until > self.t:
            self.holds.then = self._drain_and_resend  # the drain comes after the Error line is written
        else:
            self._drain_and_resend()
        return False

    def _drain_and_resend(self) -> None:
        self.rx.drain()
        self.emit(f"Resend: {self.last_n + 1}")
        self.stats.resends_requested += 1
        if not self.settings.resend_without_ok:
            self.send_ok("ok")

    # -- output -----------------------------------------------------------------------------------

    def emit(self, text: str) -> None:
        """Send one reply line at the current simulated time; without a TX buffer, wait until it is out."""
        sent = self._emit(text, self.t)
        if self.blocking and sent > self.t and not self.killed:
            self.holds.hold(self.t, sent)

    def emit_lines(self, lines: list[str]) -> None:
        """Send several reply lines."""
        for line in lines:
            self.emit(line)

    def send_ok(self, text: str) -> None:
        """Send an ok, unless fault injection loses it."""
        if self.lose_oks > 0:
            self.lose_oks -= 1
            self.stats.oks_lost += 1
            return
        rate = self.settings.lose_ok_rate
        if rate > 0.0 and self.rng.random() < rate:
            self.stats.oks_lost += 1
            return
        self.emit(text)

    def ok_text(self, number: int | None) -> str:
        """The dialect's ok for a finished command (Marlin: `ok`, or `ok N<n> P<p> B<b>` with ADVANCED_OK)."""
        return self.dialect.ok_text(self, number)

    def temperature_report(self) -> str:
        """The dialect's temperature report at the current simulated time (Marlin: ` T:.. /.. B:.. /.. @:0 B@:0`)."""
        return self.dialect.temperatures(self)

    def set_autoreport(self, seconds: float) -> None:
        """M155: temperature lines every `seconds` of real time (0: off)."""
        self.autoreport = seconds
        self.autoreport_next = self.t + seconds if seconds > 0.0 else INF

    def finished_through(self, t: float) -> int:
        """The highest line number N whose numbered commands up to N have all completely finished by t.

        Unfinished are: the running command, the queued ones, and those with planner blocks still to run;
        -1 when no numbered command has run since power-on.
        """
        pending = self.planner.pending_lines(t)
        pending.extend(command.number for command in self.queue if command.number is not None)
        if not pending:
            return self.highest
        return min(min(pending) - 1, self.highest)

    # -- power ------------------------------------------------------------------------------------

    def boot(self, t: float, *, first: bool = False) -> None:
        """Power on or reset at time t: state cleared, line numbers from 0, banner printed."""
        if self.current is not None:
            self.current.close()
        self.t = max(self.t, t)
        self._power_on(self.t)
        self.wire.restart(self.t)
        self.planner.clear(self.t)
        self.hotend.reset(self.t)
        self.bed.reset(self.t)
        self.commands.reset()
        if not first:
            self.stats.resets += 1
        self.emit_lines(self.dialect.banner(self))

    def kill(self, reason: str = "kill() called!") -> None:
        """Halt: heaters and motion off, everything the host sends is ignored until a reset."""
        if self.killed:
            return
        if self.current is not None:
            self.current.close()
            self.current = None
        self.killed = True
        self.stats.kills += 1
        self.wake = self.busy_next = self.autoreport_next = self.idle_next = INF
        self.queue.clear()
        self.rx.reset()
        self.holds.reset(self.t)
        self.holds.next_stall = INF
        self.planner.clear(self.t)
        self.hotend.reset(self.t)
        self.bed.reset(self.t)
        self.commands.in_sequence = False
        self.emit_lines(self.dialect.halted_lines(reason))

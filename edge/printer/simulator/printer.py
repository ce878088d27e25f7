"""VirtualPrinter: the simulated firmware on a real pseudo-terminal, driven by the asyncio loop."""

from __future__ import annotations

import asyncio
import logging
import os
import random
from collections import deque
from pathlib import Path

from edge.printer.simulator.executed import ExecutedLines, ExecutedLog
from edge.printer.simulator.firmware import Firmware
from edge.printer.simulator.heaters import Heater
from edge.printer.simulator.settings import SimulatorSettings, SimulatorStats
from edge.printer.simulator.wire import INF, Corrupter, OutputWire, open_pty, remove_link, replace_link

log = logging.getLogger("printedge.simulator")

_READ_SIZE = 65536
_MAX_UNSENT = 1 << 20  # replies the host does not read pile up to this many bytes, then are dropped
_LOG_FLUSH_S = 0.5


class VirtualPrinter:
    """A virtual Marlin 2.x printer on a pty, paced to its baud rate, with fault injection."""

    def __init__(self, settings: SimulatorSettings) -> None:
        self.settings = settings
        self.stats = SimulatorStats()
        self._log = ExecutedLog(settings.executed_log, settings.executed_memory)
        self.executed: ExecutedLines = self._log.lines
        rng = random.Random(settings.seed)
        self._firmware = Firmware(settings, self.stats, self._log, rng, self._reply, self._now)
        self._out = OutputWire(settings.baud, settings.latency_ms / 1000.0, Corrupter(settings.fault_rate_out, rng))
        self._replies: deque[tuple[float, bytes]] = deque()
        self._unsent = bytearray()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._master = -1
        self._slave = -1
        self._slave_path = ""
        self._link: Path | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = INF
        self._flusher: asyncio.TimerHandle | None = None
        self._running = False

    # -- public state -----------------------------------------------------------------------------

    @property
    def port(self) -> str:
        """The path a host opens: the symlink when one was given, else the pty slave."""
        return str(self._link) if self._link is not None else self._slave_path

    @property
    def connected(self) -> bool:
        """Whether the pty is open (False after disconnect())."""
        return self._master >= 0

    @property
    def killed(self) -> bool:
        """Whether the firmware is halted (M112 or kill()) until reset()."""
        return self._firmware.killed

    @property
    def hotend(self) -> Heater:
        """The hotend heater (.temperature, .target)."""
        return self._firmware.hotend

    @property
    def bed(self) -> Heater:
        """The bed heater (.temperature, .target)."""
        return self._firmware.bed

    @property
    def position(self) -> dict[str, float]:
        """The logical position after the last queued move."""
        return dict(zip("xyze", self._firmware.commands.position, strict=True))

    @property
    def feedrate(self) -> float:
        """The current feedrate in mm/min."""
        return self._firmware.commands.feedrate

    @property
    def fan_speed(self) -> int:
        """Part fan speed, 0-255."""
        return self._firmware.commands.fan

    @property
    def last_line_number(self) -> int:
        """The firmware's last accepted line number (last_N)."""
        return self._firmware.last_n

    def finished_through(self) -> int:
        """The highest line number N such that every numbered command up to N has completely finished now.

        A move is finished when its last planner block has run; a command still running (waiting for
        a planner slot, heating, dwelling) or still queued is not. -1 when none has run since power-on.
        """
        self._sync()
        return self._firmware.finished_through(self._now())

    # -- lifecycle --------------------------------------------------------------------------------

    async def start(self, link_path: str | Path | None = None) -> str:
        """Open the pty, boot the firmware; returns the slave path (a symlink at link_path follows it)."""
        if self._running:
            raise RuntimeError("the virtual printer is already running")
        self._loop = asyncio.get_running_loop()
        await self._log.open()
        self._link = Path(link_path) if link_path is not None else None
        self._running = True
        await self._open()
        self._firmware.boot(self._loop.time(), first=True)
        self._flusher = self._loop.call_later(_LOG_FLUSH_S, self._flush_log)
        self._kick()
        log.info("virtual printer on %s (baud %d)", self.port, self.settings.baud)
        return self._slave_path

    async def stop(self) -> None:
        """Close the pty, remove the symlink, write the rest of the executed log."""
        if not self._running:
            return
        self._running = False
        if self._flusher is not None:
            self._flusher.cancel()
            self._flusher = None
        self._close()
        if self._link is not None:
            await asyncio.to_thread(remove_link, self._link, self._slave_path)
        await self._log.close()
        log.info("virtual printer stopped: %s", self.stats.as_dict())

    async def _open(self) -> None:
        assert self._loop is not None
        self._master, self._slave, self._slave_path = open_pty()
        self._loop.add_reader(self._master, self._on_readable)
        if self._link is not None:
            await asyncio.to_thread(replace_link, self._link, self._slave_path)

    def _close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer, self._timer_at = None, INF
        if self._master >= 0 and self._loop is not None:
            self._loop.remove_reader(self._master)
            self._loop.remove_writer(self._master)
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1
        self._replies.clear()
        self._unsent.clear()
        self._out.clear()
        self._firmware.wire.clear()

    # -- faults -----------------------------------------------------------------------------------

    def disconnect(self) -> None:
        """Pull the cable: close the pty; the host's reads fail."""
        if not self.connected:
            return
        self._sync()
        self._close()
        log.info("virtual printer disconnected")

    async def reconnect(self) -> str:
        """Plug the cable back in: a new pty, the symlink moved to it, the firmware restarts."""
        if not self._running:
            raise RuntimeError("the virtual printer is not running")
        if self.connected:
            self.disconnect()
        await self._open()
        assert self._loop is not None
        self._firmware.boot(self._loop.time())
        self._kick()
        log.info("virtual printer reconnected on %s", self.port)
        return self._slave_path

    def kill(self, reason: str = "kill() called!") -> None:
        """Halt the firmware: `Error:Printer halted. <reason>`, then ignore everything until reset()."""
        self._sync()
        self._firmware.kill(reason)
        self._kick()

    def reset(self) -> None:
        """Press reset: state cleared, `start` and the banner, line numbers expected from 0 again."""
        self._sync()
        self._firmware.boot(self._now())
        self._kick()

    def set_heater_fault(self, heater: str, fault: str) -> None:
        """Inject a heater fault now: heater is hotend or bed; fault dead, thermistor_open, stuck, runaway or none."""
        if heater not in ("hotend", "bed"):
            raise ValueError(f"unknown heater {heater!r}: use hotend or bed")
        self._sync()
        target = self._firmware.hotend if heater == "hotend" else self._firmware.bed
        target.set_fault(fault, self._firmware.t)
        self._kick()

    def inject_busy(self, seconds: float) -> None:
        """The next command blocks this long (not scaled), with busy keepalives."""
        self._firmware.busy_injection = max(seconds, 0.0)

    def lose_next_ok(self, count: int = 1) -> None:
        """The next `count` oks are silently not sent."""
        self._firmware.lose_oks += max(count, 0)

    def swallow_next_line(self) -> None:
        """The next complete line is dropped without any answer."""
        self._firmware.swallow_lines += 1

    def error_without_resend_next(self) -> None:
        """The next line is answered with `Error:checksum mismatch, Last Line: n` only."""
        self._firmware.errors_without_resend += 1

    # -- the loop side ----------------------------------------------------------------------------

    def _now(self) -> float:
        return self._loop.time() if self._loop is not None else self._firmware.t

    def _sync(self) -> None:
        """Bring the simulation up to the wall clock."""
        if self._running and self.connected:
            self._firmware.run(self._now())

    def _on_readable(self) -> None:
        try:
            data = os.read(self._master, _READ_SIZE)
        except BlockingIOError:
            return
        except OSError as exc:
            log.warning("virtual printer read failed: %s", exc)
            return
        if data:
            self._firmware.feed(data, self._now())
            self._kick()

    def _on_timer(self) -> None:
        when = self._timer_at
        self._timer, self._timer_at = None, INF
        self._kick(when)

    def _kick(self, due: float = -INF) -> None:
        """Run the firmware up to now, write due replies, and arm the timer for the next event."""
        if not self._running or not self.connected or self._loop is None:
            return
        now = max(self._loop.time(), due)
        when = self._firmware.run(now)
        self._write_due(now)
        if self._replies:
            when = min(when, self._replies[0][0])
        if when == self._timer_at:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer, self._timer_at = None, INF
        if when < INF:
            self._timer = self._loop.call_at(when, self._on_timer)
            self._timer_at = when

    def _reply(self, text: str, t: float) -> float:
        """A reply line generated at simulated time t; returns when its last byte has left the UART."""
        if not self.connected:
            return t
        data = (text + "\n").encode("latin-1", "replace")
        visible, data, corrupted = self._out.send(data, t)
        self.stats.bytes_out += len(data)
        self.stats.corrupted_out += corrupted
        self._replies.append((visible, data))
        end = self._out.end
        return end if end > t else t

    def _write_due(self, now: float) -> None:
        replies = self._replies
        if not replies or replies[0][0] > now:
            return
        chunks: list[bytes] = []
        while replies and replies[0][0] <= now:
            chunks.append(replies.popleft()[1])
        data = b"".join(chunks)
        if self._unsent:
            if len(self._unsent) < _MAX_UNSENT:
                self._unsent += data
            return
        written = self._write(data)
        if written < len(data):
            self._unsent += data[written:]
            assert self._loop is not None
            self._loop.add_writer(self._master, self._on_writable)

    def _write(self, data: bytes) -> int:
        try:
            return os.write(self._master, data)
        except BlockingIOError:
            return 0
        except OSError as exc:
            log.warning("virtual printer write failed: %s", exc)
            return len(data)

    def _on_writable(self) -> None:
        written = self._write(bytes(self._unsent))
        del self._unsent[:written]
        if not self._unsent and self._loop is not None:
            self._loop.remove_writer(self._master)

    def _flush_log(self) -> None:
        self._log.flush_soon()
        if self._running and self._loop is not None:
            self._flusher = self._loop.call_later(_LOG_FLUSH_S, self._flush_log)


async def serve(settings: SimulatorSettings, link_path: str, stop: asyncio.Event) -> SimulatorStats:
    """Run a virtual printer at link_path until `stop` is set; returns its counters."""
    printer = VirtualPrinter(settings)
    await printer.start(link_path)
    try:
        await stop.wait()
    finally:
        await printer.stop()
    return printer.stats

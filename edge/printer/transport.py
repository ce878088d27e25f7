"""Serial transport over pyserial-asyncio-fast: opens ports off the loop, splits lines, reports loss."""

from __future__ import annotations

import asyncio
import glob
import logging
import os
import time
from collections.abc import Awaitable, Callable

import serial
import serial_asyncio_fast
from serial.tools import list_ports

from edge.core.errors import PortNotFoundError, PrinterDisconnectedError

log = logging.getLogger("printedge.printer.transport")

# The complete lines of one read (without their line ends), and when they arrived.
LinesHandler = Callable[[list[bytes], float], None]
LostHandler = Callable[[Exception | None], None]
ResetHook = Callable[[], Awaitable[None]]
DTR_PULSE_S = 0.1
# How long close() waits for the port to be closed (pyserial-asyncio-fast closes it in a worker thread).
CLOSE_TIMEOUT_S = 2.0


def candidate_ports() -> list[str]:
    """Serial ports that could be a printer, most likely first (by-id links, then ttyACM, ttyUSB)."""
    found: list[str] = sorted(glob.glob("/dev/serial/by-id/*"))
    devices = sorted(p.device for p in list_ports.comports())
    found += [d for d in devices if "ttyACM" in d] + [d for d in devices if "ttyUSB" in d]
    seen: set[str] = set()
    unique: list[str] = []
    for port in found:
        real = os.path.realpath(port)
        if real not in seen:
            seen.add(real)
            unique.append(port)
    return unique


class _LineProtocol(asyncio.Protocol):
    def __init__(
        self, on_lines: LinesHandler, on_lost: Callable[[_LineProtocol, Exception | None], None], partial_after: float
    ) -> None:
        self._on_lines = on_lines
        self._on_lost = on_lost
        self._buffer = b""
        self._partial_after = partial_after
        self._flush: asyncio.TimerHandle | None = None
        # Done once the port is really closed: pyserial-asyncio-fast closes it in a worker thread, later.
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        buffer = self._buffer + data if self._buffer else data
        parts = buffer.split(b"\n")
        tail = parts.pop()
        if parts:
            self._on_lines([part.rstrip(b"\r") for part in parts] if b"\r" in buffer else parts, now)
        self._buffer = tail
        if len(tail) > 4096:
            # A line this long is noise; hand it over so the link can count it.
            self._on_lines([tail], now)
            self._buffer = b""
        if self._buffer:
            # Firmware sends whole lines at once; a tail that stays alone lost its newline on the wire.
            self._flush = asyncio.get_running_loop().call_later(self._partial_after, self._flush_partial)

    def _flush_partial(self) -> None:
        self._flush = None
        if self._buffer:
            line, self._buffer = self._buffer, b""
            self._on_lines([line], time.monotonic())

    def connection_lost(self, exc: Exception | None) -> None:
        if self._flush is not None:
            self._flush.cancel()
        if not self.closed.done():
            self.closed.set_result(None)
        self._on_lost(self, exc)


class SerialTransport:
    """One open serial port: write bytes now, get complete lines through a callback, reset the board."""

    def __init__(self, on_lines: LinesHandler, on_lost: LostHandler, *, reset: ResetHook | None = None) -> None:
        self._on_lines = on_lines
        self._on_lost = on_lost
        self._reset = reset
        self._transport: asyncio.Transport | None = None
        self._protocol: _LineProtocol | None = None
        self._serial: serial.Serial | None = None

    @property
    def reset_hook(self) -> ResetHook | None:
        """What a hardware reset calls instead of a DTR pulse (the virtual printer's reset), if anything."""
        return self._reset

    @reset_hook.setter
    def reset_hook(self, hook: ResetHook | None) -> None:
        self._reset = hook
        self.port = ""

    @property
    def is_open(self) -> bool:
        """Whether the port is open and usable."""
        return self._transport is not None and not self._transport.is_closing()

    async def open(self, port: str, baud: int) -> None:
        """Open the port (in a thread: opening can block) and start reading."""
        if port == "auto":
            ports = candidate_ports()
            if not ports:
                raise PortNotFoundError("auto", "no USB serial port found (looked for ttyACM*, ttyUSB*)")
            port = ports[0]
        if not await asyncio.to_thread(os.path.exists, port):
            raise PortNotFoundError(port, "no such device")
        try:
            # exclusive: a second program (or a second PrintEdge) cannot open the printer's port meanwhile.
            instance = await asyncio.to_thread(_DirectSerial, port, baud, timeout=0, write_timeout=0, exclusive=True)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise PortNotFoundError(port, _open_problem(exc)) from None
        loop = asyncio.get_running_loop()
        # Long enough for a 200-character line at this baud rate, and never under 20 ms.
        protocol = _LineProtocol(self._on_lines, self._lost, max(0.02, 2000 / baud))
        transport, _ = await serial_asyncio_fast.connection_for_serial(loop, lambda: protocol, instance)
        self._transport = transport
        self._protocol = protocol
        self._serial = instance
        self.port = port
        log.info("opened %s at %d baud", port, baud)

    def write(self, data: bytes) -> None:
        """Queue bytes for the wire without blocking."""
        if self._transport is None or self._transport.is_closing():
            raise PrinterDisconnectedError(f"serial port {self.port or '(none)'} is not open")
        self._transport.write(data)

    def discard_output(self) -> None:
        """Drop every byte not yet on the wire: what asyncio holds and what the OS driver still queues."""
        transport = self._transport
        if transport is None:
            return
        flush = getattr(transport, "flush", None)
        if callable(flush):
            flush()
        if self._serial is not None:
            try:
                self._serial.reset_output_buffer()
            except (serial.SerialException, OSError) as exc:
                log.debug("could not discard the output queue of %s: %s", self.port, exc)

    async def hardware_reset(self) -> str:
        """Reset the board: the configured hook (the virtual printer), else a DTR pulse; says which."""
        if self._reset is not None:
            await self._reset()
            return "reset hook"
        instance = self._serial
        if instance is None:
            return "none (port closed)"
        try:
            await asyncio.to_thread(_pulse_dtr, instance)
        except (serial.SerialException, OSError) as exc:
            log.warning("cannot pulse DTR on %s (%s); the port will be reopened instead", self.port, exc)
            return "none (no DTR line)"
        return "DTR pulse"

    def write_buffer_size(self) -> int:
        """Bytes accepted but not yet handed to the OS."""
        return self._transport.get_write_buffer_size() if self._transport else 0

    async def close(self) -> None:
        """Close the port, and return once it is closed (its lock released: it can be opened again)."""
        self._serial = None
        transport, self._transport = self._transport, None
        protocol, self._protocol = self._protocol, None
        if transport is None or protocol is None:
            return
        transport.abort()
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT_S):
                await asyncio.shield(protocol.closed)
        except TimeoutError:
            log.warning("serial port %s did not close within %g s", self.port, CLOSE_TIMEOUT_S)

    def _lost(self, protocol: _LineProtocol, exc: Exception | None) -> None:
        # A connection closed earlier reports its end late (after its worker thread closed the port): by then a
        # new connection may be open, which must not be taken for lost (and leaked, its port still locked).
        if protocol is not self._protocol:
            return
        self._transport = None
        self._protocol = None
        self._serial = None
        self._on_lost(exc)


class _DirectSerial(serial.Serial):  # type: ignore[misc]
    """pyserial opens, configures and locks the port; reads and writes are then plain non-blocking syscalls.

    pyserial's own read() runs a select() and builds a timeout object per call: at one answer per line that was
    a measurable share of the host's CPU on a slow board (a Pi Zero 2 is three to four times slower than a PC).
    """

    def read(self, size: int = 1) -> bytes:
        try:
            data = os.read(self.fd, size)
        except BlockingIOError:
            return b""
        except OSError as exc:
            raise serial.SerialException(f"read failed: {exc}") from exc
        if not data:  # readable yet empty: the other end is gone (a pulled cable)
            raise serial.SerialException("device reports readiness to read but returned no data")
        return data

    def write(self, data: bytes) -> int:
        try:
            return os.write(self.fd, data)
        except BlockingIOError:
            return 0
        except OSError as exc:
            raise serial.SerialException(f"write failed: {exc}") from exc


def _pulse_dtr(instance: serial.Serial) -> None:
    """Drop DTR for a moment: boards with auto-reset (most AVR boards) restart (blocking: run in a thread)."""
    instance.dtr = False
    time.sleep(DTR_PULSE_S)
    instance.dtr = True


def _open_problem(exc: BaseException) -> str:
    text = str(exc)
    if "lock" in text.lower() or "Resource temporarily unavailable" in text:
        return f"{text}: another program (or another PrintEdge) has the port open"
    return text

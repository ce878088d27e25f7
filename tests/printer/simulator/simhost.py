"""Test hosts for the virtual printer: pyserial-asyncio-fast (like the link) and a raw fd (no input flush)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

import serial_asyncio_fast

from edge.gcode.text import frame


class Host:
    """Reads reply lines from a pty in the background; sends raw or framed lines."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.lines: asyncio.Queue[tuple[float, str]] = asyncio.Queue()
        self.seen: list[str] = []
        self.error: BaseException | None = None
        self.closed = asyncio.Event()  # set when reading ends (EOF or an error such as a pulled cable)
        self._task = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, path: str, baud: int = 250000) -> Host:
        """Open the port with pyserial-asyncio-fast, as the printer link does."""
        reader, writer = await serial_asyncio_fast.open_serial_connection(url=path, baudrate=baud)
        return cls(reader, writer)

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                raw = await self.reader.readline()
                if not raw:
                    self.error = EOFError("end of stream")
                    self.closed.set()
                    return
                text = raw.decode("latin-1").rstrip("\r\n")
                self.seen.append(text)
                self.lines.put_nowait((loop.time(), text))
        except Exception as exc:  # noqa: BLE001 - any failure is what a disconnect test looks for
            self.error = exc
            self.closed.set()

    def write(self, data: bytes | str) -> None:
        """Write raw bytes (a str gets a newline)."""
        self.writer.write(data if isinstance(data, bytes) else (data + "\n").encode())

    def send(self, number: int, command: str) -> None:
        """Write `N<number> <command>*<checksum>`."""
        self.writer.write(frame(number, command))

    async def line(self, wait: float = 2.0) -> str:
        """The next reply line."""
        return (await self.timed_line(wait))[1]

    async def timed_line(self, wait: float = 2.0) -> tuple[float, str]:
        """The next reply line with the loop time it was read."""
        return await asyncio.wait_for(self.lines.get(), wait)

    async def until(self, predicate: Callable[[str], bool], wait: float = 2.0) -> list[str]:
        """Reply lines up to and including the first that matches."""
        got: list[str] = []
        async with asyncio.timeout(wait):
            while True:
                text = await self.lines.get()
                got.append(text[1])
                if predicate(text[1]):
                    return got

    async def ok(self, wait: float = 2.0) -> list[str]:
        """Reply lines up to and including the next ok."""
        return await self.until(lambda text: text.startswith("ok"), wait)

    async def quiet(self, seconds: float) -> list[str]:
        """Whatever arrives within `seconds`."""
        await asyncio.sleep(seconds)
        got: list[str] = []
        while not self.lines.empty():
            got.append(self.lines.get_nowait()[1])
        return got

    async def handshake(self) -> None:
        """Drop the banner and reset the line numbers."""
        await self.quiet(0.05)
        self.write(b"N0 M110 N0*125\n")
        await self.ok()

    async def close(self) -> None:
        """Stop reading and close the port."""
        self._task.cancel()
        self.writer.close()
        await asyncio.gather(self._task, return_exceptions=True)


class RawPort:
    """The slave side opened with plain os.open (no input flush, unlike pyserial)."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        self.buffer = bytearray()
        self._ready = asyncio.Event()
        asyncio.get_running_loop().add_reader(self.fd, self._on_readable)

    def _on_readable(self) -> None:
        try:
            self.buffer += os.read(self.fd, 65536)
        except OSError:
            asyncio.get_running_loop().remove_reader(self.fd)
        self._ready.set()

    async def read_until(self, marker: bytes, wait: float = 2.0) -> bytes:
        """Everything received up to and including `marker`."""
        async with asyncio.timeout(wait):
            while marker not in self.buffer:
                self._ready.clear()
                await self._ready.wait()
        end = self.buffer.index(marker) + len(marker)
        data = bytes(self.buffer[:end])
        del self.buffer[:end]
        return data

    def close(self) -> None:
        """Close the fd."""
        asyncio.get_running_loop().remove_reader(self.fd)
        os.close(self.fd)

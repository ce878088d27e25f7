"""The executed-line log: every command in order, in memory and optionally in a file."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import TextIO

from edge.printer.simulator.settings import ExecutedLine

log = logging.getLogger("printedge.simulator")


class ExecutedLog:
    """Keeps every executed command; file writes happen in a worker thread, never on the loop."""

    def __init__(self, path: Path | None) -> None:
        self.lines: list[ExecutedLine] = []
        self.path = path
        self._pending: list[str] = []
        self._file: TextIO | None = None
        self._writing: asyncio.Future[None] | None = None

    def add(self, line: ExecutedLine) -> None:
        """Record one executed command."""
        self.lines.append(line)
        if self.path is not None:
            self._pending.append(line.log_line())

    async def open(self) -> None:
        """Create (truncate) the log file, if one is configured."""
        if self.path is not None and self._file is None:
            self._file = await asyncio.to_thread(self._open, self.path)

    @staticmethod
    def _open(path: Path) -> TextIO:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("w", encoding="utf-8", errors="replace")

    @staticmethod
    def _write(file: TextIO, text: str) -> None:
        file.write(text)
        file.flush()

    def flush_soon(self) -> None:
        """Start writing what has accumulated, unless a write is still running."""
        if self._file is None or not self._pending:
            return
        if self._writing is not None and not self._writing.done():
            return
        text = "".join(self._pending)
        self._pending.clear()
        loop = asyncio.get_running_loop()
        self._writing = loop.run_in_executor(None, self._write, self._file, text)
        self._writing.add_done_callback(self._written)

    @staticmethod
    def _written(future: asyncio.Future[None]) -> None:
        if not future.cancelled() and future.exception() is not None:
            log.error("cannot write the executed log: %s", future.exception())

    async def close(self) -> None:
        """Write everything that is left and close the file."""
        if self._writing is not None:
            with contextlib.suppress(OSError):
                await self._writing
            self._writing = None
        file, self._file = self._file, None
        if file is None:
            return
        text = "".join(self._pending)
        self._pending.clear()
        await asyncio.to_thread(self._finish, file, text)

    @staticmethod
    def _finish(file: TextIO, text: str) -> None:
        try:
            if text:
                file.write(text)
        finally:
            file.close()

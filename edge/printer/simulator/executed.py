"""The executed-line log: every command in order, in memory (all or the newest) and optionally in a file."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TextIO, overload

from edge.printer.simulator.settings import ExecutedLine

log = logging.getLogger("printedge.simulator")


class ExecutedLines(Sequence[ExecutedLine]):
    """The executed commands kept in memory: all of them, or only the newest `limit`."""

    append: Callable[[ExecutedLine], None]  # keep one more line, forgetting the oldest beyond the limit

    def __init__(self, limit: int | None = None) -> None:
        self._lines: deque[ExecutedLine] = deque(maxlen=None if limit is None else max(limit, 1))
        self.append = self._lines.append  # the deque's own: no wrapper call per executed command

    @property
    def limit(self) -> int | None:
        """How many lines are kept at most (None: all)."""
        return self._lines.maxlen

    def __len__(self) -> int:
        return len(self._lines)

    def __iter__(self) -> Iterator[ExecutedLine]:
        return iter(self._lines)

    @overload
    def __getitem__(self, index: int) -> ExecutedLine: ...

    @overload
    def __getitem__(self, index: slice) -> list[ExecutedLine]: ...

    def __getitem__(self, index: int | slice) -> ExecutedLine | list[ExecutedLine]:
        if isinstance(index, slice):
            return list(self._lines)[index]
        return self._lines[index]

    def __repr__(self) -> str:
        return f"ExecutedLines({list(self._lines)!r})"


class ExecutedLog:
    """Keeps every executed command; file writes happen in a worker thread, never on the loop."""

    def __init__(self, path: Path | None, memory: int | None = None) -> None:
        self.lines = ExecutedLines(memory)
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

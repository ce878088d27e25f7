"""Reading a stored G-code file line by line without blocking the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

READ_CHUNK = 256 * 1024


async def read_lines(path: Path, start_offset: int = 0) -> AsyncIterator[tuple[int, int, str]]:
    """Yield (line index, byte offset after the line, text) reading in a thread, chunk by chunk."""
    handle = await asyncio.to_thread(path.open, "rb")
    try:
        index, offset, tail = 0, 0, b""
        while True:
            chunk = await asyncio.to_thread(handle.read, READ_CHUNK)
            if not chunk:
                break
            data = tail + chunk
            start = 0
            while (end := data.find(b"\n", start)) >= 0:
                offset += end + 1 - start
                yield index, offset, data[start:end].decode("utf-8", "replace")
                index += 1
                start = end + 1
            tail = data[start:]
        if tail:
            yield index, offset + len(tail), tail.decode("utf-8", "replace")
    finally:
        await asyncio.to_thread(handle.close)

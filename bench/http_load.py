"""Hammer a few GET endpoints of a PrintEdge service for a while and report requests per second per path."""

from __future__ import annotations

import asyncio
import json
import sys
import time

import aiohttp


async def worker(
    session: aiohttp.ClientSession, url: str, counts: dict[str, int], errors: list[int], end: float, pause: float
) -> None:
    """Request one URL again and again until `end`, `pause` seconds apart (0: back to back)."""
    while time.monotonic() < end:
        if pause:
            await asyncio.sleep(pause)
        async with session.get(url) as response:
            await response.read()
            if response.status == 200:
                counts[url] += 1
            else:
                errors.append(response.status)


async def main(base: str, key: str, seconds: float, concurrency: int, rate: float, paths: list[str]) -> None:
    """`concurrency` workers per path for `seconds`, each at most `rate` requests per second (0: no limit); JSON."""
    pause = 1.0 / rate if rate else 0.0
    counts = {base + path: 0 for path in paths}
    errors: list[int] = []
    end = time.monotonic() + seconds
    async with aiohttp.ClientSession(headers={"X-Api-Key": key}) as session:
        await asyncio.gather(
            *(worker(session, url, counts, errors, end, pause) for url in counts for _ in range(concurrency))
        )
    rps = {url[len(base) :]: round(count / seconds, 1) for url, count in counts.items()}
    print(json.dumps({"requests_per_s": rps, "errors": len(errors)}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6:]))

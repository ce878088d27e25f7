"""Hold N WebSocket clients open against a PrintEdge service and read everything it pushes."""

from __future__ import annotations

import asyncio
import json
import sys

import aiohttp


async def client(session: aiohttp.ClientSession, url: str, counts: list[int], index: int) -> None:
    """One client: read until the server closes or the process is stopped."""
    async with session.ws_connect(url) as ws:
        async for _ in ws:
            counts[index] += 1


async def main(url: str, clients: int, seconds: float, key: str) -> None:
    """Run the clients for a while and report how many messages they got."""
    counts = [0] * clients
    async with aiohttp.ClientSession(headers={"X-Api-Key": key}) as session:
        tasks = [asyncio.create_task(client(session, url, counts, i)) for i in range(clients)]
        await asyncio.sleep(seconds)
        connected = sum(1 for task in tasks if not task.done())
        print(
            json.dumps(
                {
                    "clients": clients,
                    "still_connected": connected,
                    "messages": sum(counts),
                    "min_per_client": min(counts),
                }
            ),
            flush=True,
        )
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]))

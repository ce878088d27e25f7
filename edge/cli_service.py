"""Asking the running service from the command line: one GET with the API key, errors said once."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

KEY_ADVICE = "; pass --api-key or set PRINTEDGE_API_KEY (`printedge auth key create NAME`)"


def ask_service(url: str, path: str, api_key: str | None) -> dict[str, Any] | None:
    """GET `path` from the service at `url`: the JSON body, or None after saying on stderr what went wrong."""
    import aiohttp

    headers = {"X-Api-Key": api_key} if api_key else {}

    async def go() -> tuple[int, dict[str, Any]]:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5), headers=headers) as session,
            session.get(f"{url}{path}") as response,
        ):
            return response.status, await response.json()

    try:
        code, body = asyncio.run(go())
    except (aiohttp.ClientError, TimeoutError) as exc:
        print(f"printedge: no PrintEdge service answers at {url}: {exc or type(exc).__name__}", file=sys.stderr)
        return None
    if code != 200:
        advice = "" if api_key or code not in (401, 403) else KEY_ADVICE
        print(f"printedge: {url} answered {code}: {body.get('message')}{advice}", file=sys.stderr)
        return None
    return body

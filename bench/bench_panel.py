"""The panel in headless Chromium: bytes and time of its first load at phone size; the service's RSS after. JSON."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import aiohttp
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_service import free_port
from bench.common import PRINTEDGE, ROOT
from edge.auth.setup_code import read_setup_code_now

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip
LOAD_METRICS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  return {
    transfer_bytes: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
    decoded_bytes: nav.decodedBodySize + resources.reduce((sum, r) => sum + r.decodedBodySize, 0),
    requests: 1 + resources.length,
    first_contentful_paint_ms: paint ? paint.startTime : null,
  };
}"""


async def _claimed_cookie(base: str, data_dir: Path) -> dict[str, str]:
    """Claim the device over HTTP as its owner; the session cookie."""
    code = None
    for _ in range(200):
        code = read_setup_code_now(data_dir)
        if code:
            break
        await asyncio.sleep(0.05)
    body = {"setup_code": code, "username": "owner", "password": "correct horse battery"}
    async with aiohttp.ClientSession() as session, session.post(f"{base}/api/v1/auth/claim", json=body) as response:
        if response.status != 201:
            raise RuntimeError(f"claim failed: {response.status} {await response.text()}")
        return {name: morsel.value for name, morsel in response.cookies.items()}


async def first_load(base: str, cookies: dict[str, str]) -> dict[str, object]:
    """Open the panel once at 390x844 with a cold cache: bytes, first paint, and when live state shows."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 390, "height": 844})
            await context.add_cookies([{"name": k, "value": v, "url": base} for k, v in cookies.items()])
            page = await context.new_page()
            await page.goto(base + "/")
            await page.wait_for_function("() => document.querySelector('#state-pill')?.textContent === 'ready'")
            live_ms = await page.evaluate("() => performance.now()")
            metrics: dict[str, object] = await page.evaluate(LOAD_METRICS)
        finally:
            await browser.close()
    return metrics | {"live_state_ms": round(live_ms, 1)}


async def main() -> dict[str, object]:
    """Start `printedge run`, claim it, load the panel, read the service's RSS."""
    if not await asyncio.to_thread(Path(CHROMIUM).exists):
        return {"skipped": f"no Chromium at {CHROMIUM}"}
    return await _measure()


async def _measure() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        port = free_port()
        env = dict(os.environ, PRINTEDGE_DEVICE__DATA_DIR=str(data_dir), PRINTEDGE_API__PORT=str(port))
        env["PRINTEDGE_API__HOST"] = "127.0.0.1"
        proc = await asyncio.create_subprocess_exec(
            *PRINTEDGE, "run", cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        base = f"http://127.0.0.1:{port}"
        try:
            async with aiohttp.ClientSession() as session:
                for _ in range(300):
                    try:
                        async with session.get(f"{base}/health") as response:
                            if response.status == 200:
                                break
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.05)
            cookies = await _claimed_cookie(base, data_dir)
            load = await first_load(base, cookies)
            rss = psutil.Process(proc.pid).memory_info().rss
        finally:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 30)
    return {"first_load_390x844": load, "service_rss_mb_after_panel": round(rss / 2**20, 1)}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), indent=2))

"""What a person does in the panel, step by step, for the panel tests."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
from playwright.async_api import Page, expect

from edge.app import Appliance
from edge.auth.setup_code import read_setup_code

OWNER = "ada"
PASSWORD = "a long passphrase"


def panel_print(layers: int = 8, perimeters: int = 5) -> bytes:
    """A small square print in real time: about 3 s per layer on the virtual printer, heating without waiting."""
    lines = ["; panel test print", "M104 S200", "M140 S60", "G28", "G90", "M82", "G92 E0"]
    e = 0.0
    for layer in range(layers):
        lines += [";LAYER_CHANGE", f";Z:{0.2 * (layer + 1):.1f}", f"G1 Z{0.2 * (layer + 1):.2f} F600"]
        for p in range(perimeters):
            low, high = 100 + p, 120 - p
            lines.append(f"G0 X{low} Y{low} F6000")
            for x, y in ((high, low), (high, high), (low, high), (low, low)):
                e += 0.6
                lines.append(f"G1 X{x} Y{y} E{e:.3f} F4800")
    lines += ["M104 S0", "M140 S0"]
    return ("\n".join(lines) + "\n").encode()


async def claim(page: Page, app: Appliance) -> None:
    """First run: open the panel, claim the device with the setup code, land on the printer screen."""
    code = await read_setup_code(app.data_dir)
    assert code is not None, "an unclaimed device has a setup code"
    await page.goto("/")
    await expect(page.get_by_role("heading", name="Welcome to PrintEdge")).to_be_visible()
    await page.get_by_label("Setup code").fill(code)
    await page.get_by_label("User name").fill(OWNER)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Claim this device").click()
    await expect(page.get_by_role("heading", name="Printer", exact=True)).to_be_visible()
    await expect(page.locator("#state-pill")).to_have_text("ready")


async def sign_in(page: Page) -> None:
    """Sign in with the owner's password."""
    await page.goto("/")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.get_by_label("User name").fill(OWNER)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Printer", exact=True)).to_be_visible()


async def go(page: Page, screen: str) -> None:
    """Open a screen from the navigation."""
    await page.get_by_role("navigation").get_by_role("link", name=screen, exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(screen)


async def upload_with_picker(page: Page, name: str, data: bytes) -> None:
    """Upload a file through the file picker and wait until it is listed."""
    await go(page, "Files")
    async with page.expect_file_chooser() as chooser:
        await page.get_by_role("button", name="Choose files…").click()
    await (await chooser.value).set_files({"name": name, "mimeType": "text/plain", "buffer": data})
    await expect(page.locator(".file-name", has_text=name)).to_be_visible()


async def upload_by_drop(page: Page, name: str, data: bytes) -> None:
    """Drop a file on the drop zone and wait until it is listed."""
    await go(page, "Files")
    transfer = await page.evaluate_handle(
        """([name, text]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], name, {type: "text/plain"}));
            return transfer;
        }""",
        [name, data.decode()],
    )
    await page.dispatch_event("#dropzone", "drop", {"dataTransfer": transfer})
    await expect(page.locator(".file-name", has_text=name)).to_be_visible()


async def print_file(page: Page, name: str) -> None:
    """Press Print on a stored file."""
    await go(page, "Files")
    item = page.locator(".file", has=page.locator(".file-name", has_text=name))
    await item.get_by_role("button", name="Print").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Printer")


async def wait_for(check: Any, within: float = 20.0, what: str = "") -> None:
    """Poll an async check until it is true."""
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def request_app_key(app: Appliance, name: str) -> tuple[aiohttp.ClientSession, str]:
    """An app asks for a key the OctoPrint way; answers its client and the URL it polls."""
    session = aiohttp.ClientSession(base_url=app.web.url)
    async with session.post("/plugin/appkeys/request", json={"app": name}) as response:
        assert response.status == 201
        location = response.headers["Location"]
    return session, location

"""Headless Chromium for the panel tests: a page that records every console error and failed request."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Browser, ConsoleMessage, Page, Request, Response, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NO_CHROMIUM = (
    f"the panel tests need Debian's Chromium at {CHROMIUM}: apt-get install chromium (`make test` installs it as root)"
)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "panel"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


@dataclass
class PageProblems:
    """Everything that went wrong in the page: console errors, uncaught exceptions, failed requests."""

    errors: list[str] = field(default_factory=list)
    recording: bool = True
    expected: set[tuple[str, int]] = field(default_factory=set)

    def expect_error(self, path: str, status: int) -> None:
        """A test provokes this error answer on purpose: neither it nor the browser's log line about it counts."""
        self.expected.add((path, status))

    def _expected(self, url: str, status: int) -> bool:
        return any(url.endswith(path) and status == code for path, code in self.expected)

    def console(self, message: ConsoleMessage) -> None:
        """A console message: errors count."""
        if self.recording and message.type == "error":
            status = re.search(r"status of (\d+)", message.text)
            url = message.location.get("url", "")
            if status and self._expected(url, int(status.group(1))):
                return
            self.errors.append(f"console error: {message.text} ({message.location.get('url', '')})")

    def exception(self, error: Exception) -> None:
        """An uncaught exception in the page."""
        if self.recording:
            self.errors.append(f"uncaught exception: {error}")

    def failed(self, request: Request) -> None:
        """A request that got no answer."""
        if self.recording:
            self.errors.append(f"request failed: {request.method} {request.url}: {request.failure}")

    def response(self, response: Response) -> None:
        """An answer with an error status."""
        if self.recording and response.status >= 400 and not self._expected(response.url, response.status):
            self.errors.append(f"HTTP {response.status}: {response.request.method} {response.url}")


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (no downloaded browser)."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def panel_page(
    browser: Browser, base_url: str, viewport: dict[str, int] = PHONE
) -> AsyncIterator[tuple[Page, PageProblems]]:
    """A fresh browser context on the panel; after the block, any recorded problem fails the test."""
    context = await browser.new_context(base_url=base_url, viewport=viewport)  # type: ignore[arg-type]
    page = await context.new_page()
    page.set_default_timeout(15_000)
    problems = PageProblems()
    page.on("console", problems.console)
    page.on("pageerror", problems.exception)
    page.on("requestfailed", problems.failed)
    page.on("response", problems.response)
    try:
        yield page, problems
        problems.recording = False
        assert not problems.errors, "the panel had problems:\n" + "\n".join(problems.errors)
    finally:
        problems.recording = False
        await context.close()


async def screenshot(page: Page, name: str) -> Path:
    """Save a screenshot as test-artifacts/panel/<name>-<width>x<height>.png."""
    size = page.viewport_size or PHONE
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}-{size['width']}x{size['height']}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path

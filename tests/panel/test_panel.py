"""The panel in a real browser against a real appliance on the virtual printer: what a person does with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from edge.app import Appliance
from edge.telemetry.signing import OperatorKey
from tests.config_ota.helpers import signed, trusting
from tests.panel.browser import CHROMIUM, DESKTOP, NO_CHROMIUM, PHONE, panel_page, screenshot
from tests.panel.flows import (
    claim,
    go,
    panel_print,
    print_file,
    request_app_key,
    sign_in,
    upload_by_drop,
    upload_with_picker,
)
from tests.sensors.gpio_helpers import gpio_appliance
from tests.web.conftest import started

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM)

PRINT = panel_print()


async def current_layer(page: Page) -> int:
    """The layer the job card shows."""
    text = await page.locator("#job-layer").inner_text()
    match = re.match(r"\d+", text)
    return int(match.group()) if match else -1


async def drawn_pixels(page: Page, rgb: tuple[int, int, int]) -> int:
    """How many pixels of the preview canvas have about this colour."""
    return int(
        await page.evaluate(
            """([r, g, b]) => {
                const canvas = document.getElementById("preview-canvas");
                const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
                let count = 0;
                for (let i = 0; i < data.length; i += 4) {
                    if (Math.abs(data[i] - r) < 30 && Math.abs(data[i + 1] - g) < 30 && Math.abs(data[i + 2] - b) < 30) count++;
                }
                return count;
            }""",
            list(rgb),
        )
    )


async def test_claim_upload_print_pause_resume_cancel_and_preview(appliance: Appliance, browser: Browser) -> None:
    async with panel_page(browser, appliance.web.url) as (page, _):
        await claim(page, appliance)
        # The sign-out request must be over before sign_in() navigates, or the navigation aborts it.
        async with page.expect_request_finished(lambda request: request.url.endswith("/api/v1/auth/logout")):
            await page.get_by_role("button", name="Sign out").click()
        await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        await sign_in(page)

        await upload_with_picker(page, "square.gcode", PRINT)
        item = page.locator(".file", has=page.locator(".file-name", has_text="square.gcode"))
        await expect(item.locator("dd").first).to_have_text("8")  # layers from the analysis
        await upload_by_drop(page, "dropped.gcode", panel_print(layers=2))

        await print_file(page, "square.gcode")
        await expect(page.locator(".job-file")).to_contain_text("square.gcode")
        await expect(page.locator(".job-file .badge")).to_have_text("printing")
        await expect(page.locator("#job-layer")).to_have_text(re.compile(r"^[2-8] of 8$"), timeout=20_000)
        assert float((await page.locator("#job-percent").inner_text()).split()[0]) > 0
        await expect(page.locator("#job-eta")).not_to_have_text("—")

        # The preview follows the print: the current layer drawn, its executed part highlighted.
        await go(page, "Preview")
        await expect(page.locator("#preview-caption")).to_contain_text(re.compile(r"Layer [2-8] of 8 · Z 0\.\d+ mm"))
        await expect(page.locator("#preview-canvas")).not_to_have_attribute("data-executed", "-1")
        assert await drawn_pixels(page, (194, 65, 12)) > 50, "the printed part of the layer is drawn in orange"
        shown = await page.locator("#preview-caption").inner_text()
        await expect(page.locator("#preview-caption")).not_to_have_text(shown, timeout=10_000)

        await go(page, "Printer")
        await page.get_by_role("button", name="Pause").click()
        await expect(page.locator(".job-file .badge")).to_have_text("paused", timeout=20_000)
        await page.get_by_role("button", name="Resume").click()
        await expect(page.locator(".job-file .badge")).to_have_text("printing", timeout=20_000)

        await page.get_by_role("button", name="Cancel job").click()
        dialog = page.get_by_role("dialog")
        await expect(dialog).to_contain_text("Cancel this print?")
        await dialog.get_by_role("button", name="Cancel print").click()
        await expect(page.locator(".job-body")).to_contain_text("No job is printing.", timeout=20_000)

        # The next jobs wait for the bed: queue two, reorder, remove one, then confirm the bed is clear.
        await print_file(page, "square.gcode")
        await print_file(page, "dropped.gcode")
        await go(page, "Queue")
        queued = page.locator("#queued .job-name")
        await expect(queued).to_have_text(["1. square.gcode", "2. dropped.gcode"])
        await page.get_by_role("button", name="Move dropped.gcode up").click()
        await expect(queued).to_have_text(["1. dropped.gcode", "2. square.gcode"])
        await page.get_by_role("button", name="Remove square.gcode from the queue").click()
        await expect(queued).to_have_text(["1. dropped.gcode"])
        await expect(page.locator("#history")).to_contain_text("cancelled")
        await page.get_by_role("button", name="Bed is clear").click()
        await page.get_by_role("dialog").get_by_role("button", name="Bed is clear").click()
        await expect(page.locator("#queued")).to_contain_text("Nothing is queued.")
        await go(page, "Printer")
        await expect(page.locator(".job-file")).to_contain_text("dropped.gcode")
        await expect(page.locator(".job-body")).to_contain_text("No job is printing.", timeout=30_000)
        await go(page, "Queue")
        await expect(page.locator("#history .job").first).to_contain_text("completed")


async def test_emergency_stop_reset_and_resume_from_the_recovery_point(appliance: Appliance, browser: Browser) -> None:
    async with panel_page(browser, appliance.web.url) as (page, _):
        await claim(page, appliance)
        await upload_with_picker(page, "square.gcode", PRINT)
        await print_file(page, "square.gcode")
        await expect(page.locator("#job-layer")).to_have_text(re.compile(r"^[2-8] of 8$"), timeout=20_000)

        await go(page, "Files")  # the stop button is on every screen
        await page.get_by_role("button", name="Emergency stop").click()
        await expect(page.locator("#halt-banner")).to_be_visible()
        await expect(page.locator("#state-pill")).to_have_text("halted")
        await page.get_by_role("button", name="Reset printer").click()
        await expect(page.locator("#state-pill")).to_have_text("ready", timeout=20_000)
        await expect(page.locator("#halt-banner")).to_be_hidden()

        await go(page, "Queue")
        interrupted = page.locator("#history .job", has_text="interrupted")
        await interrupted.get_by_role("button", name="Resume…").click()
        dialog = page.get_by_role("dialog")
        await expect(dialog.locator("#resume-where")).to_contain_text(
            re.compile(r"resumes at layer \d+, Z \d+\.\d+ mm")
        )
        resume = dialog.get_by_role("button", name="Resume print")
        await expect(resume).to_be_disabled()
        await dialog.get_by_label("The part is still attached to the bed").check()
        await expect(resume).to_be_disabled()
        await dialog.get_by_label("The nozzle is clear of the part").check()
        await resume.click()
        await go(page, "Printer")
        await expect(page.locator(".job-file")).to_contain_text("square.gcode")
        await expect(page.locator(".job-file .badge")).to_have_text("printing", timeout=20_000)
        await expect(page.locator("#job-layer")).to_have_text(re.compile(r"^[2-8] of 8$"))
        await page.get_by_role("button", name="Cancel job").click()
        await page.get_by_role("dialog").get_by_role("button", name="Cancel print").click()
        await expect(page.locator(".job-body")).to_contain_text("No job is printing.", timeout=20_000)


async def test_terminal_keys_pairing_and_system(appliance: Appliance, browser: Browser) -> None:
    async with panel_page(browser, appliance.web.url) as (page, problems):
        await claim(page, appliance)

        await go(page, "Terminal")
        await page.get_by_label("G-code command").fill("M115")
        await page.get_by_label("G-code command").press("Enter")
        output = page.locator("#terminal-output")
        await expect(output).to_contain_text("> M115")
        await expect(output).to_contain_text("FIRMWARE_NAME")
        problems.expect_error("/api/v1/printer/command", 400)  # the safety filter refuses it
        await page.get_by_label("G-code command").fill("M104 S999")
        await page.get_by_role("button", name="Send").click()
        await expect(output).to_contain_text(re.compile(r"! M104 S999: .*limit"))

        await go(page, "Access")
        await page.get_by_label("Name of the new key").fill("Cura")
        await page.get_by_role("button", name="Create key").click()
        await expect(page.locator("#new-key-value")).to_have_text(re.compile(r"^pe_"))
        await expect(page.locator("#keys")).to_contain_text("Cura")

        app_client, location = await request_app_key(appliance, "OctoApp")
        async with app_client:
            await page.get_by_role("button", name="Approve OctoApp").click(timeout=10_000)
            await expect(page.locator("#pairing")).to_contain_text("No app is waiting.")
            async with app_client.get(location) as response:
                assert response.status == 200
                assert (await response.json())["api_key"].startswith("pe_")
        await expect(page.locator("#keys")).to_contain_text("OctoApp")
        await page.get_by_role("button", name="Revoke Cura").click()
        await page.get_by_role("dialog").get_by_role("button", name="Revoke").click()
        await expect(page.locator("#keys")).not_to_contain_text("Cura")

        await go(page, "System")
        await expect(page.locator("#health")).to_contain_text("printer")
        await expect(page.locator("#config")).to_contain_text('"max_upload_mb"')
        await expect(page.locator("#log-tail")).to_contain_text("printedge.")


async def mesh_pixels(page: Page) -> int:
    """How many pixels of the Make screen's 3D view differ from its background: the drawn part."""
    return int(
        await page.evaluate(
            """() => {
                const canvas = document.getElementById("make-mesh");
                const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
                let count = 0;
                for (let i = 0; i < data.length; i += 4) {
                    if (Math.abs(data[i] - 238) + Math.abs(data[i + 1] - 241) + Math.abs(data[i + 2] - 245) > 30) count++;
                }
                return count;
            }"""
        )
    )


@pytest.mark.slow  # research, CAD and slicing run for real in the appliance's worker
async def test_make_a_part_from_a_sentence_then_confirm_and_see_a_refusal(
    appliance: Appliance, browser: Browser
) -> None:
    async with panel_page(browser, appliance.web.url) as (page, problems):
        await claim(page, appliance)
        await go(page, "Make")
        await page.get_by_label("What should it make?").fill("a 20 mm cube in PETG")
        await page.get_by_role("button", name="Make it").click()

        job = page.locator("#make-job")
        await expect(job.locator('.stage[data-stage="research"]')).to_have_attribute("data-state", "done")
        await expect(job).to_have_attribute("data-state", "awaiting_confirmation", timeout=120_000)
        await expect(job.locator(".stage")).to_have_count(4)
        await expect(job.locator('.stage[data-stage="slice"]')).to_have_attribute("data-state", "done")
        await expect(page.locator("#make-size")).to_have_text(re.compile(r"^20 \D 20 \D 20 mm$"))
        await expect(page.locator("#make-spec-facts")).to_contain_text("PETG")
        await expect(page.locator("#make-assumptions")).to_contain_text("quality")  # not said: standard was assumed
        await expect(page.locator("#make-time")).not_to_have_text("—")
        await expect(page.locator("#make-layers")).not_to_have_text("—")
        await expect(page.locator("#make-filament")).to_contain_text(re.compile(r"\d m · \d+\.\d g"))
        await expect(page.locator("#make-mesh")).to_have_attribute("data-triangles", re.compile(r"^[1-9]\d*$"))
        assert await mesh_pixels(page) > 2000, "the 3D view draws the cube"
        await screenshot(page, "make-preview")

        await page.get_by_role("button", name="Confirm and queue").click()
        # Nothing else is queued, so the confirmed job may start printing at once.
        await expect(job).to_have_attribute("data-state", re.compile(r"^(queued|printing)$"))
        await expect(job).to_contain_text(re.compile(r"Queued as job \d+|This job is printing"))

        problems.expect_error("/api/v1/jobs/text", 422)
        await page.get_by_label("What should it make?").fill("a cube of 900 mm")
        await page.get_by_role("button", name="Make it").click()
        refusal = page.locator("#make-error")
        await expect(refusal).to_contain_text("900")
        await expect(page.get_by_label("What should it make?")).to_have_attribute("aria-invalid", "true")
        await screenshot(page, "make-refused")


async def test_screens_at_phone_and_desktop_size(appliance: Appliance, browser: Browser) -> None:
    async with panel_page(browser, appliance.web.url) as (page, _):
        await page.goto("/")
        await expect(page.get_by_role("heading", name="Welcome to PrintEdge")).to_be_visible()
        await screenshot(page, "claim")
        await claim(page, appliance)
        await upload_with_picker(page, "square.gcode", PRINT)
        await print_file(page, "square.gcode")
        await expect(page.locator("#job-layer")).to_have_text(re.compile(r"^[2-8] of 8$"), timeout=20_000)
        for viewport in ({"width": 390, "height": 844}, {"width": 1366, "height": 768}):
            await page.set_viewport_size(viewport)  # type: ignore[arg-type]
            for screen in ("Printer", "Files", "Make", "Queue", "Preview", "Terminal", "System", "Access"):
                await go(page, screen)
                await page.wait_for_timeout(400)
                await expect(page.get_by_role("button", name="Emergency stop")).to_be_visible()
                await screenshot(page, screen)
                overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{screen} is {overflow} px wider than a {viewport['width']} px screen"


async def test_keyboard_alone_reaches_every_screen_and_the_stop_button(appliance: Appliance, browser: Browser) -> None:
    async with panel_page(browser, appliance.web.url) as (page, _):
        await claim(page, appliance)
        await expect(page.get_by_role("heading", level=1)).to_be_focused()
        await page.reload()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Printer")
        await page.keyboard.press("Tab")
        await expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
        await page.keyboard.press("Tab")
        await expect(page.get_by_role("button", name="Emergency stop")).to_be_focused()
        outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline == "solid", "the focused element shows a visible outline"
        await page.keyboard.press("Tab")
        await page.keyboard.press("Tab")
        await expect(page.get_by_role("link", name="Files")).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Files")
        await expect(page.get_by_role("heading", level=1)).to_be_focused()
        await page.keyboard.press("Tab")
        await expect(page.get_by_role("button", name="Choose files…")).to_be_focused()


async def test_the_gpio_sensors_can_be_tried_from_the_panel(tmp_path: Path, browser: Browser) -> None:
    app = await gpio_appliance(tmp_path / "data")
    try:
        async with panel_page(browser, app.web.url) as (page, _):
            await claim(page, app)
            await go(page, "System")
            devices = page.locator("#gpio-devices")
            await expect(page.locator("#gpio-hint")).to_contain_text("Simulated pins")
            await expect(devices).to_contain_text("runout")
            await page.get_by_role("button", name="Filament out").click()
            await expect(page.get_by_role("button", name="Filament back")).to_be_visible()
            assert app.services.require_sensors().device_status("runout")["active"] is True
            await screenshot(page, "system-gpio")
            await page.get_by_role("button", name="Filament back").click()
            await expect(page.get_by_role("button", name="Filament out")).to_be_visible()
            assert app.services.require_sensors().device_status("runout")["active"] is False
    finally:
        await app.stop()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
async def test_the_system_screen_shows_the_over_the_air_config(
    tmp_path: Path, browser: Browser, viewport: dict[str, int]
) -> None:
    key = OperatorKey.generate("ops")
    app = await started(tmp_path / "data", **trusting(key))
    try:
        async with panel_page(browser, app.web.url, viewport) as (page, _):
            await claim(page, app)
            await go(page, "System")
            status = page.locator("#config-ota")
            await expect(status).to_contain_text("Over-the-air version 0")
            await app.ota.submit("api", signed(key, 1, {"audit": {"max_entries": 4321}}))
            await expect(status).to_contain_text("Over-the-air version 1: version 1 applied")
            await expect(page.locator("#config")).to_contain_text('"max_entries": 4321')
            bad = {"printer": {"port": str(tmp_path / "no-such-tty")}, "ota": {"health_deadline_s": 0.5}}
            await app.ota.submit("api", signed(key, 2, bad))
            await expect(status).to_contain_text("rolled back")
            await expect(status).to_contain_text("printer unhealthy")
            await screenshot(page, "system-ota")
    finally:
        await app.stop()

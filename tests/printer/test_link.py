"""The printer link against the virtual printer, through a real pseudo-terminal and pyserial."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from edge.core.errors import (
    FirmwareHaltedError,
    PortNotFoundError,
    PrinterDisconnectedError,
    PrinterNotReadyError,
    TemperatureLimitError,
)
from edge.core.events import EventBus, FirmwareMessage, HostAction, LinkStateChanged, TemperatureReport
from edge.printer.flow import FlowMode
from edge.printer.link import LinkState, PrinterLink

from .conftest import SimFactory

MakeLink = Callable[..., PrinterLink]
pytestmark = pytest.mark.usefixtures("no_blocking_in_edge")


def numbered(printer: object) -> list[int]:
    """Line numbers the printer executed, in order (without the handshake's line 0)."""
    return [e.number for e in printer.executed if e.number is not None and e.number > 0]  # type: ignore[attr-defined]


async def send_moves(link: PrinterLink, count: int) -> None:
    futures = [await link.submit(f"G1 X{i % 200}.5 Y{(i * 7) % 200}.25 E0.0123 F6000") for i in range(count)]
    await asyncio.gather(*futures)


async def test_handshake_reads_firmware_name_and_capabilities(make_printer: SimFactory, make_link: MakeLink) -> None:
    printer = await make_printer(advanced_ok=True)
    link = make_link(printer.port)
    await link.connect()
    assert link.state is LinkState.READY
    assert "Marlin" in link.profile.name
    assert link.profile.capabilities.get("AUTOREPORT_TEMP") is True
    assert link.profile.advanced_ok


async def test_plain_ok_firmware_is_detected(make_printer: SimFactory, make_link: MakeLink) -> None:
    printer = await make_printer(advanced_ok=False)
    link = make_link(printer.port)
    await link.connect()
    assert not link.profile.advanced_ok
    await send_moves(link, 300)
    assert link.stats.line_errors == 0
    assert numbered(printer)[-300:] == list(range(numbered(printer)[-300], numbered(printer)[-300] + 300))


async def test_window_keeps_several_lines_in_flight_without_overflow(
    make_printer: SimFactory, make_link: MakeLink
) -> None:
    printer = await make_printer(baud=250000, latency_ms=2.0, advanced_ok=True)
    link = make_link(printer.port)
    await link.connect()
    peak = 0

    async def watch() -> None:
        nonlocal peak
        while True:
            peak = max(peak, link.in_flight)
            await asyncio.sleep(0.001)

    watcher = asyncio.create_task(watch())
    await send_moves(link, 400)
    watcher.cancel()
    assert peak >= 3  # about 40-byte lines in a 127-byte budget
    assert printer.stats.rx_overflows == 0
    assert link.stats.line_errors == 0


async def test_ping_pong_never_has_two_lines_in_flight(make_printer: SimFactory, make_link: MakeLink) -> None:
    printer = await make_printer()
    link = make_link(printer.port, window="1")
    await link.connect()
    assert link.core.flow.mode is FlowMode.PING_PONG
    await send_moves(link, 50)
    assert link.in_flight == 0


async def test_corrupted_lines_are_resent_and_executed_once_in_order(
    make_printer: SimFactory, make_link: MakeLink
) -> None:
    printer = await make_printer(fault_rate_in=0.01, fault_rate_out=0.01, advanced_ok=True, seed=3)
    link = make_link(printer.port, command_timeout_s=2.0)
    await link.connect()
    await send_moves(link, 3000)
    nums = numbered(printer)
    first = nums.index(max(n for n in nums if n <= nums[0] + 5))
    assert nums[first:] == sorted(set(nums[first:]))
    assert link.stats.retransmissions > 0


async def test_lost_ok_is_recovered_by_a_probe(make_printer: SimFactory, make_link: MakeLink) -> None:
    printer = await make_printer()
    link = make_link(printer.port, window="1", command_timeout_s=0.3)
    await link.connect()
    await link.send("G1 X1")
    printer.lose_next_ok()
    await asyncio.wait_for(link.send("G1 X2"), 5)
    await link.send("G1 X3")
    assert [e.command for e in printer.executed[-3:]] == ["G1 X1", "G1 X2", "G1 X3"]
    assert link.stats.probes >= 1


async def test_swallowed_line_is_sent_again(make_printer: SimFactory, make_link: MakeLink) -> None:
    printer = await make_printer()
    link = make_link(printer.port, window="1", command_timeout_s=0.3)
    await link.connect()
    printer.swallow_next_line()
    await asyncio.wait_for(link.send("G1 X5"), 5)
    assert [e.command for e in printer.executed].count("G1 X5") == 1


async def test_error_without_resend_or_ok_is_recovered(make_printer: SimFactory, make_link: MakeLink) -> None:
    printer = await make_printer()
    link = make_link(printer.port, window="1", command_timeout_s=0.3)
    await link.connect()
    printer.error_without_resend_next()
    await asyncio.wait_for(link.send("G1 X6"), 5)
    await link.send("G1 X7")
    assert [e.command for e in printer.executed][-2:] == ["G1 X6", "G1 X7"]


async def test_resend_without_ok_quirk(make_printer: SimFactory, make_link: MakeLink) -> None:
    printer = await make_printer(resend_without_ok=True, fault_rate_in=0.02, seed=11, advanced_ok=False)
    link = make_link(printer.port, command_timeout_s=0.5)
    await link.connect()
    await asyncio.wait_for(send_moves(link, 500), 60)
    nums = numbered(printer)
    assert nums[-500:] == sorted(set(nums[-500:]))


async def test_idle_wait_quirk_does_not_disturb_streaming(make_printer: SimFactory, make_link: MakeLink) -> None:
    printer = await make_printer(idle_wait=True)
    link = make_link(printer.port)
    await link.connect()
    await asyncio.sleep(1.2)
    await send_moves(link, 100)
    assert link.state is LinkState.READY and link.stats.line_errors == 0


async def test_busy_keepalive_prevents_timeout_during_long_command(
    make_printer: SimFactory, make_link: MakeLink
) -> None:
    printer = await make_printer(busy_interval_s=0.1)
    link = make_link(printer.port, command_timeout_s=0.3)
    await link.connect()
    printer.inject_busy(1.0)
    await link.send("G1 X9")
    assert link.stats.busy >= 5
    assert link.stats.probes == 0


async def test_heating_waits_without_probing(make_printer: SimFactory, make_link: MakeLink) -> None:
    printer = await make_printer(time_scale=0.02)
    link = make_link(printer.port, command_timeout_s=0.2)
    await link.connect()
    await asyncio.wait_for(link.send("M109 S200"), 30)
    assert printer.hotend.temperature >= 199
    assert link.stats.probes == 0


async def test_temperatures_are_reported(make_printer: SimFactory, make_link: MakeLink) -> None:
    bus = EventBus()
    sub = bus.subscribe(TemperatureReport)
    printer = await make_printer()
    link = make_link(printer.port, bus, temperature_interval_s=0.2)
    await link.connect()
    await link.send("M104 S150")
    event = await asyncio.wait_for(sub.get(), 5)
    assert isinstance(event, TemperatureReport)
    assert link.temperatures.hotend is not None


async def test_temperature_polling_without_autoreport(make_printer: SimFactory, make_link: MakeLink) -> None:
    printer = await make_printer(autoreport_temp=False)
    link = make_link(printer.port, temperature_interval_s=0.2)
    await link.start()
    for _ in range(100):
        if link.state is LinkState.READY and link.temperatures.hotend is not None:
            break
        await asyncio.sleep(0.05)
    assert link.temperatures.hotend is not None
    assert any(e.command == "M105" for e in printer.executed)


async def test_hotend_over_limit_is_refused_and_never_sent(make_printer: SimFactory, make_link: MakeLink) -> None:
    printer = await make_printer()
    link = make_link(printer.port)
    await link.connect()
    with pytest.raises(TemperatureLimitError, match="limit of 285"):
        await link.send("M104 S300")
    assert not any("M104" in e.command for e in printer.executed)


async def test_emergency_stop_goes_out_ahead_of_queued_lines(make_printer: SimFactory, make_link: MakeLink) -> None:
    printer = await make_printer(baud=115200, latency_ms=2.0, time_scale=1.0)
    link = make_link(printer.port)
    await link.connect()
    futures = [await link.submit(f"G1 X{i} F600") for i in range(40)]
    await asyncio.sleep(0.2)
    link.emergency_stop()
    assert link.state is LinkState.HALTED
    outcomes = await asyncio.gather(*futures, return_exceptions=True)
    halted = [o for o in outcomes if isinstance(o, FirmwareHaltedError)]
    assert halted and all(o is None or isinstance(o, FirmwareHaltedError) for o in outcomes)
    for _ in range(100):
        if printer.stats.emergency_stop_at is not None:
            break
        await asyncio.sleep(0.01)
    assert printer.stats.emergency_stop_at is not None
    executed = len(printer.executed)
    await asyncio.sleep(0.3)
    assert len(printer.executed) == executed
    with pytest.raises(PrinterNotReadyError, match="halted"):
        await link.send("G28")


async def test_firmware_kill_halts_the_link(make_printer: SimFactory, make_link: MakeLink) -> None:
    bus = EventBus()
    sub = bus.subscribe(FirmwareMessage)
    printer = await make_printer()
    link = make_link(printer.port, bus)
    await link.connect()
    printer.kill()
    for _ in range(100):
        if link.state is LinkState.HALTED:
            break
        await asyncio.sleep(0.01)
    assert link.state is LinkState.HALTED
    event = await asyncio.wait_for(sub.get(), 2)
    assert isinstance(event, FirmwareMessage) and "halted" in event.text


async def test_pulled_cable_is_a_clean_state_change(make_printer: SimFactory, make_link: MakeLink) -> None:
    bus = EventBus()
    states = bus.subscribe(LinkStateChanged)
    printer = await make_printer(time_scale=1.0)
    link = make_link(printer.port, bus)
    await link.connect()
    futures = [await link.submit(f"G1 X{i} F600") for i in range(20)]
    printer.disconnect()
    with pytest.raises(PrinterDisconnectedError):
        await asyncio.wait_for(asyncio.gather(*futures), 5)
    assert link.state is LinkState.DISCONNECTED
    seen = []
    while (event := states.get_nowait()) is not None:
        assert isinstance(event, LinkStateChanged)
        seen.append(event.state)
    assert seen[-1] == "disconnected"


async def test_link_reconnects_after_the_printer_comes_back(make_printer: SimFactory, make_link: MakeLink) -> None:
    printer = await make_printer()
    link = make_link(printer.port, reconnect_max_backoff_s=0.5)
    await link.start()
    for _ in range(100):
        if link.state is LinkState.READY:
            break
        await asyncio.sleep(0.05)
    printer.disconnect()
    await asyncio.sleep(0.1)
    assert link.state is LinkState.DISCONNECTED
    await printer.reconnect()
    for _ in range(100):
        if link.state is LinkState.READY:
            break
        await asyncio.sleep(0.05)
    assert link.state is LinkState.READY
    await link.send("G28")


async def test_firmware_restart_mid_session_fails_waiting_commands(
    make_printer: SimFactory, make_link: MakeLink
) -> None:
    printer = await make_printer(time_scale=1.0)
    link = make_link(printer.port)
    await link.connect()
    future = await link.submit("G4 S5")
    await asyncio.sleep(0.1)
    printer.reset()
    with pytest.raises(PrinterDisconnectedError, match="restarted"):
        await asyncio.wait_for(future, 5)


async def test_host_action_commands_are_published(make_printer: SimFactory, make_link: MakeLink) -> None:
    bus = EventBus()
    sub = bus.subscribe(HostAction)
    printer = await make_printer()
    link = make_link(printer.port, bus)
    await link.connect()
    link._on_line(b"//action:pause", 0.0)  # what a firmware prints when its pause button is pressed
    event = await asyncio.wait_for(sub.get(), 1)
    assert isinstance(event, HostAction) and event.action == "pause"


async def test_unknown_replies_are_counted_and_streaming_goes_on(make_printer: SimFactory, make_link: MakeLink) -> None:
    printer = await make_printer()
    link = make_link(printer.port)
    await link.connect()
    for junk in (b"\x00\xff garbage", b"echo:SD card ok", b"Compiled: Nov 29 2026", b"??"):
        link._on_line(junk, 0.0)
    await send_moves(link, 50)
    assert link.stats.unrecognized >= 2
    assert link.state is LinkState.READY


async def test_missing_port_is_a_clear_error(make_link: MakeLink, tmp_path: Path) -> None:
    link = make_link(str(tmp_path / "ttyNOPE"))
    with pytest.raises(PortNotFoundError, match=r"ttyNOPE.*no such device"):
        await link.connect()
    assert link.state is LinkState.DISCONNECTED


async def test_a_port_that_is_not_a_printer_times_out_clearly(make_link: MakeLink) -> None:
    import os

    master, slave = os.openpty()
    try:
        link = make_link(os.ttyname(slave), handshake_timeout_s=0.6)
        with pytest.raises(Exception, match="no answer to M110"):
            await link.connect()
    finally:
        os.close(master)
        os.close(slave)


async def test_a_noisy_link_is_reported_with_its_resend_ratio(make_printer: SimFactory, make_link: MakeLink) -> None:
    bus = EventBus()
    messages = bus.subscribe(FirmwareMessage)
    printer = await make_printer(fault_rate_in=0.01, seed=4)
    link = make_link(printer.port, bus)
    await link.connect()
    await send_moves(link, 1100)
    warnings = []
    while (event := messages.get_nowait()) is not None:
        if isinstance(event, FirmwareMessage) and event.level == "warning":
            warnings.append(event.text)
    assert any("had to be sent again" in text and "USB cable" in text for text in warnings)


async def test_a_second_program_cannot_open_the_printers_port(make_printer: SimFactory, make_link: MakeLink) -> None:
    printer = await make_printer()
    first = make_link(printer.port)
    await first.connect()
    second = make_link(printer.port, handshake_timeout_s=1.0)
    with pytest.raises(PortNotFoundError, match="another program"):
        await second.connect()
    await first.send("G28")


async def test_a_lost_ok_before_the_final_m400_does_not_hang_the_end_of_a_job(
    make_printer: SimFactory, make_link: MakeLink
) -> None:
    printer = await make_printer(advanced_ok=False, time_scale=1.0, busy_interval_s=0.2)
    link = make_link(printer.port, long_command_timeout_s=1800.0)
    await link.connect()
    assert link.profile.keepalive_s == pytest.approx(0.2)
    last = await link.submit("G1 X10 F6000")
    printer.lose_next_ok()  # the answer to the last move never arrives
    started = asyncio.get_running_loop().time()
    await asyncio.wait_for(link.send("M400"), 15)
    await asyncio.wait_for(last, 1)
    # Three missed keepalives (0.6 s here, 6 s with Marlin's default), not half an hour.
    assert asyncio.get_running_loop().time() - started < 5
    assert link.stats.probes >= 1
    assert [e.command for e in printer.executed].count("M400") == 1


async def test_a_long_command_whose_keepalives_stop_is_probed(make_printer: SimFactory, make_link: MakeLink) -> None:
    printer = await make_printer(busy_interval_s=0.1)
    link = make_link(printer.port, long_command_timeout_s=1800.0)
    await link.connect()
    printer.inject_busy(0.5)
    await asyncio.wait_for(link.send("G28"), 5)  # busy: keepalives arrive: no probe
    assert link.stats.probes == 0 and link.stats.busy >= 3
    printer.swallow_next_line()  # the next long command never arrives, so nothing keeps alive
    await asyncio.wait_for(link.send("G28"), 5)
    assert link.stats.probes >= 1

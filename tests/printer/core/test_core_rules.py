"""The protocol core's rules, one at a time, with replies written by hand."""

from __future__ import annotations

from edge.gcode.commands import line_kind
from edge.gcode.text import checksum
from edge.printer.core import LinkCore
from edge.printer.core_events import FragmentRan, LinkFailed
from edge.printer.core_settings import CoreSettings
from edge.printer.profile import QUIRKS, Dialect


def core(*, window: int = 32, advanced: bool = True, **settings: object) -> LinkCore:
    """A core past its handshake: line 0 (M110) answered."""
    c = LinkCore(CoreSettings(max_lines=window, **settings))  # type: ignore[arg-type]
    c.restart()
    c.queue("M110 N0", line_kind("M110 N0"), ticket="m110")
    c.pump(0.0)
    c.receive("ok N0 P15 B3" if advanced else "ok", 0.001)
    c.profile.ok_after_resend = True
    c.acked.clear()
    c.out.clear()
    return c


def send(c: LinkCore, *commands: str, blocks: int = 1, now: float = 0.01) -> None:
    for command in commands:
        c.queue(command, line_kind(command), blocks=blocks, ticket=command, tag=command)
    c.pump(now)


def test_an_advanced_ok_without_n_and_no_unknown_before_it_is_a_fragment_that_ran() -> None:
    c = core()
    send(c, "G1 X1", "G1 X2", "G1 X3")
    c.receive("Error:checksum mismatch, Last Line: 0", 0.02)
    c.receive("Resend: 1", 0.02)
    c.receive("ok", 0.02)  # the error's own ok
    c.receive("ok P14 B3", 0.03)  # the tail of line 2 or 3 ran
    fragments = [e for e in c.events if isinstance(e, FragmentRan)]
    assert len(fragments) == 1 and not fragments[0].unknown
    assert fragments[0].tags == ("G1 X1", "G1 X2", "G1 X3")
    assert c.stats.fragments == 1 and c.acked == []


def test_a_tail_the_firmware_did_not_understand_is_counted_but_did_not_run() -> None:
    c = core()
    send(c, "G1 X1", "G1 X2")
    c.receive("Error:checksum mismatch, Last Line: 0", 0.02)
    c.receive("Resend: 1", 0.02)
    c.receive("ok", 0.02)
    c.receive('echo:Unknown command: "2 Y5*33"', 0.03)
    c.receive("ok P15 B3", 0.03)
    assert c.stats.fragments == 0 and c.stats.fragments_unknown == 1
    assert [e.unknown for e in c.events if isinstance(e, FragmentRan)] == [True]


def test_the_ok_after_a_resend_never_acknowledges_a_line() -> None:
    c = core(advanced=False)
    c.profile.advanced_ok = False
    send(c, "G1 X1", blocks=0)
    c.receive("Error:checksum mismatch, Last Line: 0", 0.02)
    c.receive("Resend: 1", 0.02)
    c.receive("ok", 0.02)
    assert c.acked == [] and c.in_flight == 1
    c.receive("ok", 0.03)  # the answer to the line sent again
    assert c.acked == ["G1 X1"]


def test_with_plain_oks_an_unknown_command_the_host_never_sent_is_not_an_acknowledgement() -> None:
    c = core(advanced=False)
    c.profile.advanced_ok = False
    send(c, "G1 X1", blocks=0)
    c.receive('echo:Unknown command: "1 Y2"', 0.02)
    c.receive("ok", 0.02)
    assert c.acked == [] and c.stats.fragments_unknown == 1


def test_with_plain_oks_an_unknown_command_the_host_sent_is_acknowledged() -> None:
    c = core(advanced=False)
    c.profile.advanced_ok = False
    send(c, "M9999", blocks=0)
    c.receive('echo:Unknown command: "M9999"', 0.02)
    c.receive("ok", 0.02)
    assert c.acked == ["M9999"]


def test_m105s_ok_sets_a_count_that_ran_ahead_back() -> None:
    c = core(advanced=False)
    c.profile.advanced_ok = False
    send(c, "G1 X1", "M105", "G1 X2", "G1 X3", blocks=0)
    for at in (0.02, 0.03, 0.04, 0.05):
        c.receive("ok", at)  # one of these belonged to something else: the count ran ahead
    assert c.in_flight == 0
    c.receive("ok T:20.0 /0.0 B:20.0 /0.0", 0.06)  # the real answer to the M105, line 2
    assert c.in_flight == 2 and c.stats.false_acks == 2


def test_a_damaged_resend_number_never_resends_an_m110() -> None:
    c = core(advanced=False)
    c.profile.advanced_ok = False
    send(c, "G1 X1", blocks=0)
    c.receive("ok", 0.02)
    c.out.clear()
    c.receive("Resend: 0", 0.03)  # "Resend: 2" with a damaged digit
    c.pump(0.03)
    assert not any(b"M110" in data for data in c.out), "sending M110 again would run lines twice"
    assert c.stats.stale_resends == 1


def test_a_damaged_planner_count_above_the_capacity_is_not_trusted() -> None:
    c = core()
    send(c, "G1 X1", "G1 X2")
    c.receive("ok N1 P140B3", 0.02)  # "ok N1 P14 B3" with a space turned into a digit
    assert c.finished_number < 1, "a P above the capacity would claim the planner empty"


def test_acknowledged_moves_are_finished_only_once_the_planner_shows_them_gone() -> None:
    c = core()
    send(c, "G1 X1", "G1 X2", "G1 X3")
    c.receive("ok N1 P14 B3", 0.02)
    c.receive("ok N2 P13 B3", 0.02)
    c.receive("ok N3 P12 B3", 0.02)
    assert c.finished_number == 0 and c.finished == []  # three blocks queued: none finished
    send(c, "G1 X4", now=0.03)
    c.receive("ok N4 P13 B3", 0.04)  # four lines, two blocks left: lines 1 and 2 ran
    assert c.finished_number == 2 and c.finished == ["G1 X1", "G1 X2"]
    send(c, "M400", blocks=0, now=0.05)
    c.receive("ok N5 P15 B3", 0.06)
    assert c.finished_number == 5


def test_with_plain_oks_the_configured_planner_depth_is_assumed_full() -> None:
    c = core(advanced=False, planner_blocks=3)
    c.profile.advanced_ok = False
    send(c, *(f"G1 X{i}" for i in range(1, 6)), blocks=1)
    for at in range(5):
        c.receive("ok", 0.02 + at * 0.01)
    assert c.finished_number == 2  # lines 3, 4, 5 may still be in a 3-block planner


def test_a_move_that_may_take_no_block_is_never_counted_as_one() -> None:
    c = core()
    send(c, "G1 X1", blocks=1)
    send(c, "G1 X1.001", blocks=0)  # shorter than a step: Marlin may drop it
    c.receive("ok N1 P14 B3", 0.02)
    c.receive("ok N2 P14 B3", 0.02)  # one block queued: line 1's, not line 2's
    assert c.finished_number == 0


def test_long_commands_are_probed_after_three_missed_keepalives() -> None:
    c = core(long_command_timeout_s=1800.0)
    c.profile.keepalive_s = 2.0
    send(c, "G28", blocks=0, now=1.0)
    assert c.deadline() == 1.0 + 6.0
    c.receive("echo:busy: processing", 3.0)
    assert c.deadline() == 3.0 + 6.0
    c.on_timer(9.0)
    assert c.stats.probes == 1


def test_without_keepalives_a_long_command_gets_the_long_timeout() -> None:
    c = core(long_command_timeout_s=1800.0)
    c.profile.keepalive_s = None
    send(c, "M109 S200", blocks=0, now=1.0)
    assert c.deadline() == 1801.0


def test_a_plain_ok_probe_sends_an_m105_sync_marker() -> None:
    c = core(advanced=False, command_timeout_s=1.0)
    c.profile.advanced_ok = False
    send(c, "G1 X1", blocks=0)
    c.out.clear()
    c.on_timer(5.0)
    sent = b"".join(c.out)
    assert b"G1 X1" in sent and (b"M105" in sent or c.has_queued("M105"))


def test_too_many_unanswered_probes_fail_the_link() -> None:
    c = core(command_timeout_s=1.0, probe_attempts=2)
    send(c, "M104 S200", blocks=0)
    for step in range(1, 10):
        c.on_timer(step * 100.0)
    assert any(isinstance(e, LinkFailed) and "stopped answering" in e.error.message for e in c.events)


def test_klipper_bangs_are_command_errors_not_a_halt() -> None:
    c = core(advanced=False)
    c.profile.identify({"FIRMWARE_NAME": "Klipper"})
    assert c.profile.dialect is Dialect.KLIPPER and c.profile.quirks == QUIRKS[Dialect.KLIPPER]
    send(c, "G1 X999", blocks=0)
    c.receive("!! Move out of range: 999.000 0.000 0.000 [0.000]", 0.02)
    c.receive("ok", 0.02)
    assert not any(isinstance(e, LinkFailed) for e in c.events)
    assert c.acked == ["G1 X999"]


def test_marlin_halts_are_fatal() -> None:
    c = core()
    send(c, "G1 X1")
    c.receive("Error:Printer halted. kill() called!", 0.02)
    assert any(isinstance(e, LinkFailed) for e in c.events)
    assert not c.sending


def test_a_firmware_counter_ahead_is_realigned_by_an_m110_line_that_nothing_follows_until_its_ok() -> None:
    # A damaged resend of line 2 passed the checksum as line 3: the firmware now expects 4 and insists.
    c = core()
    send(c, "G1 X1", "G1 X2")
    c.receive("ok N1 P15 B3", 0.02)
    c.receive("ok N2 P15 B3", 0.02)
    c.out.clear()
    for _ in range(3):
        c.receive("Error:Line Number is not Last Line Number+1, Last Line: 3", 0.03)
        c.receive("Resend: 4", 0.03)
        c.receive("ok", 0.03)
    assert c.stats.realignments == 1
    assert b"".join(c.out) == b"N3 M110 N3*" + str(checksum("N3 M110 N3")).encode() + b"\n"
    c.out.clear()
    # Marlin sets its counter again when the M110 runs: a line read before that would be accepted twice.
    send(c, "G1 X3", now=0.04)
    assert c.out == []
    c.receive("ok N3 P15 B3", 0.05)
    assert b"".join(c.out).startswith(b"N4 G1 X3*")

"""The printer link's protocol core, free of I/O: lines and times in; bytes, acknowledgements and events out.

The asyncio shell (edge/printer/link.py) feeds it every line the firmware sends (`receive`), calls `on_timer`
when `deadline()` passes, and after each call moves what the core produced to the world: `out` (bytes for
the wire), `acked` (tickets of acknowledged lines), `finished` (tags of lines the printer has certainly
finished) and `events` (everything else). Nothing here reads a clock, sleeps or touches a port, so tests
drive it through any interleaving of faults directly.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

from edge.core.errors import FirmwareHaltedError, LinkError, LinkTimeoutError, ResendLoopError
from edge.gcode.commands import LineKind
from edge.gcode.text import checksum, command_word
from edge.printer import protocol as p
from edge.printer.core_events import (
    CoreEvent,
    FirmwareNotice,
    FirmwareRestarted,
    FragmentRan,
    HostActionRequested,
    LinkFailed,
    TemperaturesChanged,
)
from edge.printer.core_settings import CoreSettings
from edge.printer.execution import ExecutionTracker, RunReports
from edge.printer.flow import FlowControl, FlowMode
from edge.printer.history import Line, LineHistory
from edge.printer.profile import FirmwareProfile
from edge.printer.round_trips import RoundTrips
from edge.printer.stats import LinkStats

_LAST_LINE = re.compile(r"Last Line:\s*(\d+)")

# Identical resend requests in a row before the firmware is believed over what the host knew.
INSISTENT_REQUESTS = 3
# Every RESEND_WINDOW acknowledged lines, warn when more than this share had to be sent again.
RESEND_WINDOW = 1000
RESEND_WARN_RATIO = 0.05
# Quick probes sent without hearing anything back before waiting for the full timeout.
QUICK_PROBES = 3
PLAIN_QUICK_PROBE_S = 0.5
HEATING_WAITS = frozenset({"M109", "M190", "M191", "M116"})  # they print temperature reports while they run


@dataclass(slots=True)
class ResendLearning:
    """The deliberate checksum error sent at connect, to see whether the firmware answers Resend with ok."""

    error: bool = False
    resend: bool = False
    ok_after: bool = False
    executed: bool = False


class LinkCore:
    """Numbering, history, resend arbitration, flow control, execution tracking and timeouts."""

    def __init__(self, settings: CoreSettings, profile: FirmwareProfile | None = None) -> None:
        self.settings = settings
        self.profile = profile or FirmwareProfile()
        self.flow = FlowControl(
            max_lines=settings.max_lines,
            rx_buffer_size=settings.rx_buffer_size,
            clean_lines_to_widen=settings.clean_lines_to_widen,
            max_clean_lines=settings.max_clean_lines_to_widen,
            overcommit=settings.overcommit,
        )
        self.stats = LinkStats()
        self.temperatures = p.Temperatures()
        self.tracker = ExecutionTracker(settings.planner_blocks)
        self.reports = RunReports()
        self.sending = False
        self.out: list[bytes] = []
        self.acked: list[object] = []
        self.finished: list[object] = []
        self.events: list[CoreEvent] = []
        self.recent: deque[str] = deque(maxlen=12)
        self._pending: deque[Line] = deque()
        self._lines = LineHistory()
        self._acked = -1
        self._oked = -1  # the last line whose own ok arrived (a Resend accepts lines whose oks come later)
        self._confirmed = -1
        self._send_ptr = 0
        self._max_sent = -1
        self._finished_emitted = -1
        self._planner_capacity = 0
        self._resend_counts: dict[int, int] = {}
        self._request_line = -1
        self._request_count = 0
        self._error_last_line: int | None = None
        self._error_window: tuple[int, int] = (0, -1)
        self._resend_oks_due = 0
        self._skip_oks_due = 0
        self._unnumbered_due = 0
        self._unknown_since_ok = False
        self._unknown_text = ""
        self._learning: ResendLearning | None = None
        self._ratio_lines = 0
        self._ratio_resent = 0
        self._last_progress = 0.0
        self._last_busy = 0.0
        self._probes_in_row = 0
        self._suspect_lost_ok = False
        self._quiet_probes = 0
        self._rtt = RoundTrips()

    # ---- state the shell reads ------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        """Lines sent and not yet acknowledged."""
        count = self._send_ptr - 1 - self._acked
        return count if count > 0 else 0

    @property
    def pending(self) -> int:
        """Commands queued and not yet framed."""
        return len(self._pending)

    @property
    def idle(self) -> bool:
        """Whether nothing is queued, unsent or unacknowledged."""
        return not self._pending and self._acked >= self._lines.next_number - 1

    @property
    def acked_number(self) -> int:
        """The last line number acknowledged."""
        return self._acked

    @property
    def finished_number(self) -> int:
        """The last line number the printer has certainly finished."""
        return self._finished_emitted

    @property
    def learning(self) -> ResendLearning | None:
        """The deliberate checksum error under way, if any."""
        return self._learning

    def line(self, number: int) -> Line | None:
        """A framed line still kept, or None."""
        return self._lines.get(number)

    def unfinished_waits(self) -> list[str]:
        """Long commands (heating, homing, dwelling) sent and not yet known to have finished."""
        found: list[str] = []
        for number in range(self._finished_emitted + 1, self._send_ptr):
            line = self._lines.get(number)
            if line is not None and line.kind.may_block and not line.kind.takes_blocks:
                found.append(line.command)
        return found

    def has_queued(self, command: str) -> bool:
        """Whether this exact command waits in the queue (to avoid piling up polls)."""
        return any(item.command == command for item in self._pending)

    # ---- input: commands ------------------------------------------------------------------

    def restart(self) -> list[object]:
        """Start numbering from 0 for a new connection; returns the tickets that can never be answered."""
        tickets = self.take_outstanding()
        self._lines.clear()
        self._resend_counts.clear()
        self._acked = self._oked = self._confirmed = self._max_sent = self._finished_emitted = -1
        self._send_ptr = 0
        self._resend_oks_due = self._skip_oks_due = self._unnumbered_due = 0
        self._unknown_since_ok = False
        self._planner_capacity = 0
        self._learning = None
        self.tracker.reset(-1)
        self.reports.clear()
        self.sending = True
        return tickets

    def queue(
        self,
        command: str,
        kind: LineKind,
        *,
        blocks: int = 0,
        ticket: object | None = None,
        tag: object | None = None,
        priority: bool = False,
    ) -> None:
        """Queue one checked command; it is framed and sent when flow control allows (call pump)."""
        item = Line(command, kind, blocks, ticket, tag)
        if priority:
            self._pending.appendleft(item)
        else:
            self._pending.append(item)

    def send_unnumbered(self, command: str) -> None:
        """Put one unnumbered command on the wire now, outside the sequence (M108 to break a wait)."""
        self.out.append(f"{command}\n".encode("ascii"))
        self._unnumbered_due += 1

    def learn_resend_behaviour(self) -> None:
        """Send a line with a wrong checksum on purpose: its Error/Resend tell whether an ok follows."""
        body = f"N{self._lines.next_number} M105"
        self.out.append(f"{body}*{checksum(body) ^ 0x5A}\n".encode("ascii"))
        self._learning = ResendLearning()

    def finish_learning(self) -> None:
        """Conclude what the deliberate checksum error showed."""
        learnt, self._learning = self._learning, None
        if learnt is None:
            return
        if learnt.resend or learnt.error:
            self.profile.ok_after_resend = learnt.ok_after
        elif learnt.executed:
            self.profile.ok_after_resend = False

    def take_outstanding(self) -> list[object]:
        """Tickets of every line not yet acknowledged and of every queued command; forgets them."""
        tickets: list[object] = []
        for number in range(self._acked + 1, self._lines.next_number):
            line = self._lines.get(number)
            if line is not None and line.ticket is not None:
                tickets.append(line.ticket)
        tickets.extend(item.ticket for item in self._pending if item.ticket is not None)
        self._pending.clear()
        self._acked = self._lines.next_number - 1
        self._send_ptr = self._lines.next_number
        return tickets

    def drop_pending(self) -> list[object]:
        """Forget commands not yet framed; returns their tickets."""
        tickets = [item.ticket for item in self._pending if item.ticket is not None]
        self._pending.clear()
        return tickets

    def halt(self) -> list[object]:
        """Stop sending at once (emergency stop); returns the tickets that will never be answered."""
        self.sending = False
        return self.take_outstanding()

    def mark_finished_through(self, number: int) -> None:
        """The shell proved line `number` and all before it ran (a Repetier report after M400)."""
        self.tracker.reset(min(number, self._acked))
        self._emit_finished(self.tracker.finished)

    # ---- output: framing and sending ------------------------------------------------------

    def pump(self, now: float) -> None:
        """Frame and send whatever flow control allows."""
        if not self.sending:
            return
        out = self.out
        lines = self._lines
        flow = self.flow
        pending = self._pending
        stats = self.stats
        while True:
            ptr = self._send_ptr
            framed = ptr < lines.next_number
            if not framed and not pending:
                break
            free = flow.free_bytes(self._acked, ptr, lines)
            if free is None:
                break
            if framed:
                line = lines[ptr]
            else:
                # A command is numbered once anything may be sent; it then goes first, as soon as it fits.
                if free < 0 and not flow.planner_room(self._acked, ptr, lines, pending[0].kind):
                    break
                line = lines.frame(pending.popleft())
            if len(line.data) > free and not flow.planner_room(self._acked, ptr, lines, line.kind):
                break
            out.append(line.data)
            line.sent_at = now
            line.sends += 1
            stats.transmissions += 1
            if line.sends > 1:
                stats.retransmissions += 1
            self._send_ptr = ptr + 1
            if line.number > self._max_sent:
                self._max_sent = line.number

    # ---- input: what the firmware says ----------------------------------------------------

    def receive(self, text: str, now: float) -> None:
        """One line from the firmware (without its newline), received at `now`."""
        if not text or text.isspace():
            return
        self.recent.append(text)
        self._quiet_probes = 0
        self._probes_in_row = 0
        reply = p.parse_reply(text)
        if isinstance(reply, p.Ok):
            self._on_ok(reply, now)
        elif isinstance(reply, p.Resend):
            self._on_resend(reply.number, now)
        elif isinstance(reply, p.FirmwareError):
            self._on_error(reply)
        elif isinstance(reply, p.TemperatureLine):
            self._update_temperatures(reply.temperatures)
            if self.profile.quirks.ok_on_receipt:
                self._on_run_report()
        elif isinstance(reply, p.Busy):
            self._on_busy(now)
        elif isinstance(reply, p.Skip):
            self._skip_oks_due += 1
        elif isinstance(reply, p.Wait):
            if self.in_flight and now - self._lines[self._acked + 1].sent_at > 1.0:
                self._probe("firmware says wait while a line is unanswered")
        elif isinstance(reply, p.Start):
            self.events.append(FirmwareRestarted())
        elif isinstance(reply, p.Action):
            self.events.append(HostActionRequested(reply.name, reply.args))
        elif isinstance(reply, p.FirmwareInfo):
            self.profile.identify(reply.fields)
        elif isinstance(reply, p.Capability):
            self.profile.capabilities[reply.name] = reply.enabled
        elif isinstance(reply, p.Echo):
            self._on_echo(reply)
        else:
            self.stats.unrecognized += 1
            self._doubt_next_ok()
            self._suspect_garbled()
        self.pump(now)

    def _on_echo(self, echo: p.Echo) -> None:
        if echo.unknown_command:
            self._unknown_since_ok = True
            self._unknown_text = _quoted(echo.text)
            self.events.append(FirmwareNotice("warning", echo.text))
        elif echo.text.startswith("M113 S"):
            try:
                interval = float(echo.text[6:].split()[0])
            except (ValueError, IndexError):
                return
            self.profile.keepalive_s = interval if interval > 0 else None
        else:
            self._doubt_next_ok()

    def _doubt_next_ok(self) -> None:
        """A reply that may be a damaged `Unknown command`: an ok without N after it proves no fragment ran.

        So a damaged reply can hide a fragment that ran, never report one that did not.
        """
        self._unknown_since_ok = True
        self._unknown_text = ""

    def _on_busy(self, now: float) -> None:
        self.stats.busy += 1
        if self.profile.keepalive_s is None and self._last_busy:
            # A firmware that keeps alive without saying so at connect: learn its interval.
            self.profile.keepalive_s = max(0.5, round(now - self._last_busy, 1))
        self._last_busy = now
        self._last_progress = now

    def _on_ok(self, ok: p.Ok, now: float) -> None:
        if ok.temperatures is not None:
            self._update_temperatures(ok.temperatures)
        if ok.info is not None:
            self.profile.identify(ok.info)
        unknown_before, self._unknown_since_ok = self._unknown_since_ok, False
        unknown_text = self._unknown_text
        learning = self._learning
        if learning is not None and (learning.resend or learning.error):
            learning.ok_after = True
            return
        if self._skip_oks_due:
            self._skip_oks_due -= 1
            return
        number = ok.number
        if number is None and self.profile.quirks.ok_numbers_bare:
            number = ok.bare_number
        if number is not None:
            if ok.number is not None:
                self.profile.advanced_ok = True
            if self._acked < number <= self._max_sent:
                if ok.number is not None:
                    self.flow.note_advanced_ok(number, ok.planner_free, ok.queue_free)
                self._confirmed = number
                self._ack_upto(number, now, processed=True, planner_free=ok.planner_free)
            elif self._oked < number <= self._acked:
                # The ok of a line a Resend already showed accepted: now it has run.
                self._confirmed = max(self._confirmed, number)
                self._processed_upto(number, ok.planner_free)
            else:
                self.stats.stray_oks += 1
                self._suspect_garbled()
            return
        if self._resend_oks_due:
            self._resend_oks_due -= 1
            return
        if ok.unnumbered_advanced:
            self._on_unnumbered_ok(unknown_before)
            return
        if self._unnumbered_due and not self.in_flight:
            self._unnumbered_due -= 1
            return
        if learning is not None:
            learning.executed = True
        if ok.temperatures is not None and self._ack_through_m105(now):
            return
        target = self._oked + 1
        if self.profile.advanced_ok or self.profile.quirks.ok_numbers_bare or target > self._max_sent:
            # A firmware that numbers its oks numbers every numbered line: this one answered something else.
            self.stats.stray_oks += 1
            return
        line = self._lines[target]
        if unknown_before and unknown_text and not _same_command(unknown_text, line.command):
            # The firmware did not understand a line the host never sent: the tail of a cut line, or a line whose
            # N was damaged. Either way the line in flight may not have arrived whole: probe soon.
            self.stats.fragments_unknown += 1
            self._suspect_garbled()
            return
        if target <= self._acked:
            # Plain oks come in order: this is the ok of a line a Resend already showed accepted.
            self._processed_upto(target, None)
            return
        if now - line.sent_at < self._stale_window():
            # Too soon to answer the latest transmission: it belongs to an earlier one (a backstop for the
            # rules above, e.g. when an Error and its Resend were both garbled).
            self.stats.stray_oks += 1
            return
        self._ack_upto(target, now, processed=True, planner_free=None)

    def _on_unnumbered_ok(self, unknown_before: bool) -> None:
        """`ok P.. B..` without N: the firmware ran a line that carried no number."""
        if self._unnumbered_due:
            self._unnumbered_due -= 1
            return
        first, last = self._error_window
        numbers = tuple(range(max(first, self._lines.oldest), last + 1))
        tags = tuple(self._lines[n].tag for n in numbers if n in self._lines)
        self.flow.trip_overcommit()
        if unknown_before:
            self.stats.fragments_unknown += 1
        else:
            self.stats.fragments += 1
        self.events.append(FragmentRan(numbers=numbers, tags=tags, unknown=unknown_before))

    def _ack_through_m105(self, now: float) -> bool:
        """A plain `ok T:..` answers an M105: everything before that M105 was processed, nothing after it.

        If the host had already counted that M105 (a stray ok counted as an acknowledgement earlier), the
        count was ahead: it is set back to the M105, so flow control never trusts room that is not there.
        """
        # With numbered oks every line before the M105 had its own answer: only the oldest open line can be it
        # (a cut line's tail that ran as M105 answers the same way, and must not move the count).
        last = self._oked + 1 if self.profile.advanced_ok else self._send_ptr - 1
        for number in range(self._oked + 1, min(last, self._send_ptr - 1) + 1):
            if command_word(self._lines[number].command) == "M105":
                if number > self._acked:
                    self._ack_upto(number, now, processed=True, planner_free=None)
                else:
                    self._processed_upto(number, None)
                return True
        if self.profile.advanced_ok:
            return False
        for number in range(self._oked, max(self._oked - self.flow.max_lines - 1, self._lines.oldest - 1), -1):
            line = self._lines.get(number)
            if line is not None and command_word(line.command) == "M105":
                self._oked = number
                if number < self._acked:
                    self.stats.false_acks += self._acked - number
                    self._acked = number
                return True
        return False

    def _ack_upto(self, n: int, now: float, *, processed: bool, planner_free: int | None) -> None:
        old = self._acked
        self._last_progress = now
        lines = self._lines
        acked = self.acked
        size = 0
        for number in range(old + 1, n + 1):
            line = lines[number]
            if line.ticket is not None:
                acked.append(line.ticket)
            size += len(line.data)
        self.stats.bytes_acked += size
        last = lines[n]
        if last.sends == 1 and last.sent_at:
            self._rtt.sample(now - last.sent_at)
        self.stats.lines_acked += n - old
        self._acked = n
        if self._send_ptr <= n:
            self._send_ptr = n + 1
        self._suspect_lost_ok = False
        self._request_line, self._request_count = -1, 0
        if self._resend_counts:
            self._resend_counts.clear()
        self.flow.note_clean(n - old)
        if self.profile.quirks.ok_on_receipt:
            for number in range(old + 1, n + 1):
                if command_word(lines[number].command) == "M105":
                    self.reports.received(number)
        if processed:
            self._processed_upto(n, planner_free)
        self._evict()
        if self.stats.lines_acked - self._ratio_lines >= RESEND_WINDOW:
            self._check_resend_ratio()

    def _processed_upto(self, n: int, planner_free: int | None) -> None:
        """Lines up to n were processed (moves entered the planner); follow what has finished."""
        if n > self._oked:
            self._oked = n
        quirks = self.profile.quirks
        target = n - quirks.ack_ahead_lines if quirks.ok_on_receipt else n
        tracker = self.tracker
        lines = self._lines
        for number in range(tracker.processed + 1, target + 1):
            line = lines[number]
            tracker.note_processed(number, line.blocks, line.drains)
        occupied: int | None = None
        if planner_free is not None and not quirks.ok_on_receipt:
            if not self._planner_capacity:
                # The first P of a connection comes with an empty planner (the handshake): the capacity.
                self._planner_capacity = planner_free
            if planner_free <= self._planner_capacity:
                occupied = self._planner_capacity - planner_free
            # A P above the capacity was damaged on the way (`P14 B3` read as `P140B3`): not trusted.
        elif quirks.planner_depth is not None:
            occupied = quirks.planner_depth
        self._emit_finished(tracker.settle(occupied))

    def _on_run_report(self) -> None:
        """A report printed when an M105 ran (firmware that acknowledges on receipt): it and all before it finished."""
        number = self.reports.reported(self._heating_before)
        if number is not None:
            self._emit_finished(self.tracker.finished_through(number))

    def _heating_before(self, number: int) -> bool:
        """Whether a heating wait, which prints reports while it runs, may still run before line `number`."""
        lines = self._lines
        for k in range(self._finished_emitted + 1, number):
            line = lines.get(k)
            if line is not None and command_word(line.command) in HEATING_WAITS:
                return True
        return False

    def _emit_finished(self, frontier: int) -> None:
        if frontier <= self._finished_emitted:
            return
        lines = self._lines
        finished = self.finished
        for number in range(self._finished_emitted + 1, frontier + 1):
            tag = lines[number].tag
            if tag is not None:
                finished.append(tag)
        self._finished_emitted = frontier

    def _check_resend_ratio(self) -> None:
        lines = self.stats.lines_acked - self._ratio_lines
        resent = self.stats.retransmissions - self._ratio_resent
        self._ratio_lines, self._ratio_resent = self.stats.lines_acked, self.stats.retransmissions
        if resent > lines * RESEND_WARN_RATIO:
            self.events.append(
                FirmwareNotice(
                    "warning",
                    f"{resent} of the last {lines} lines had to be sent again ({resent / lines:.0%}): the serial "
                    "link is noisy; check the USB cable and its shielding, or lower printer.baud",
                )
            )

    def _on_resend(self, m: int, now: float) -> None:
        learning = self._learning
        if learning is not None:
            learning.resend = True
            return
        self.stats.resend_requests += 1
        self._last_progress = now
        self._fall_back()
        self.flow.trip_overcommit()
        if self.profile.ok_after_resend:
            self._resend_oks_due = 1
        insistent = self._note_request(m)
        if m <= self._lines.last_m110 <= self._acked:
            # Sending an M110 again would set the firmware's counter back and run lines twice: this number
            # was damaged on the way.
            self.stats.stale_resends += 1
            self._suspect_garbled()
            return
        if m > self._max_sent + 1:
            self._on_firmware_ahead(m, insistent, now)
            return
        if (m <= self._confirmed or m < self._acked + 1 - self.flow.max_lines) and not insistent:
            # An `ok N` already proved these lines ran (and counted plain oks cannot be this far off):
            # the number is stale or was corrupted on the way.
            self.stats.stale_resends += 1
            self._suspect_garbled()
            return
        # An insistent firmware wins over an `ok N` whose number may itself have been damaged.
        self._confirmed = min(self._confirmed, m - 1)
        if m < self._lines.oldest:
            self._fatal(ResendLoopError(f"firmware asked for line {m}, older than the {len(self._lines)} lines kept"))
            return
        if m - 1 > self._acked:
            # Accepted, not necessarily answered: Marlin reads lines ahead of running them, so their oks may still
            # come. If instead they were lost, the count lags, and the sync marker of the next probe sets it right.
            self._ack_upto(m - 1, now, processed=False, planner_free=None)
        elif m - 1 < self._acked:
            self.stats.false_acks += self._acked - (m - 1)
            self._acked = m - 1
            self._oked = min(self._oked, m - 1)
        if m > self._max_sent:
            return
        if now - self._lines[m].sent_at < self._stale_window():
            self.stats.stale_resends += 1
            self._suspect_garbled()
            return
        self._suspect_lost_ok = False
        count = self._resend_counts.get(m, 0) + 1
        self._resend_counts[m] = count
        if count > self.settings.resend_loop_limit:
            self._fatal(ResendLoopError(f"firmware asked for line {m} {count} times in a row: the link is too noisy"))
            return
        self._send_ptr = m

    def _note_request(self, m: int) -> bool:
        """Whether the firmware insists on line m: asked for it again and again, its errors naming m - 1.

        Damaged digits differ from one request to the next; a firmware that really wants a line asks for
        the same one each time, and the `Last Line:` of its error line agrees.
        """
        if m == self._request_line:
            self._request_count += 1
        else:
            self._request_line, self._request_count = m, 1
        return self._request_count >= INSISTENT_REQUESTS and self._error_last_line == m - 1

    def _on_firmware_ahead(self, m: int, insistent: bool, now: float) -> None:
        """A Resend for a line never sent: a damaged number, or a damaged line that passed its checksum."""
        if not insistent:
            self._suspect_garbled()
            return
        # The firmware really counted a line we never sent (two flips of the same bit in one line escape the
        # XOR checksum, here in its line number). Everything we sent did run; set its counter back to ours.
        self.stats.realignments += 1
        self.events.append(
            FirmwareNotice(
                "warning",
                f"firmware line counter is ahead (asks for {m}, last sent {self._max_sent}): a damaged line "
                "passed its checksum; realigning with M110",
            )
        )
        self._request_line, self._request_count = -1, 0
        last = self._max_sent
        if last > self._acked:
            self._ack_upto(last, now, processed=False, planner_free=None)
        self._send_ptr = max(self._send_ptr, self._acked + 1)
        # The M110 is a line of its own that holds everything behind it until its ok: Marlin sets its counter
        # again when the M110 *runs* (its G-code handler), so a line read between the M110's arrival and its
        # run would be accepted a second time after that. A lost ok is probed like any other line's.
        number = self._lines.next_number
        self._lines.frame(Line(f"M110 N{number}", LineKind.SYNC, 0, None, None))

    def _on_error(self, error: p.FirmwareError) -> None:
        learning = self._learning
        if learning is not None and error.line_error:
            learning.error = True
            return
        if error.fatal and (not error.bang or self.profile.quirks.bang_is_fatal):
            self._fatal(FirmwareHaltedError(f"firmware halted: {error.text}"))
            return
        if error.line_error:
            self.stats.line_errors += 1
            found = _LAST_LINE.search(error.text)
            self._error_last_line = int(found.group(1)) if found else None
            self._error_window = (self._acked + 1, self._max_sent)
            self._fall_back()
            self.flow.trip_overcommit()
            if self.profile.ok_after_resend:
                self._resend_oks_due = 1
            # A Resend should follow; if it was lost on the way, probe soon.
            self._suspect_garbled()
            return
        self.events.append(FirmwareNotice("error", error.text))

    def _update_temperatures(self, t: p.Temperatures) -> None:
        cur = self.temperatures
        self.temperatures = p.Temperatures(
            hotend=t.hotend if t.hotend is not None else cur.hotend,
            hotend_target=t.hotend_target if t.hotend_target is not None else cur.hotend_target,
            bed=t.bed if t.bed is not None else cur.bed,
            bed_target=t.bed_target if t.bed_target is not None else cur.bed_target,
        )
        self.events.append(TemperaturesChanged(self.temperatures))

    # ---- timeouts -------------------------------------------------------------------------

    def deadline(self) -> float | None:
        """When on_timer must run next (None: nothing is waiting for an answer)."""
        in_flight = self._send_ptr - 1 - self._acked
        if in_flight <= 0 or not self.sending:
            return None
        newest = self._lines[self._send_ptr - 1].sent_at
        quick = self._quiet_probes < QUICK_PROBES
        if quick and self._suspect_lost_ok:
            delay = max(0.005, 4 * self._rtt.average)
        elif quick and in_flight == 1 and self._expect_quick_answer():
            # Without ADVANCED_OK a full planner may hold the answer for a move's time: wait a little longer.
            delay = max(0.025 if self.profile.advanced_ok else PLAIN_QUICK_PROBE_S, 8 * self._rtt.average)
        elif self._lines.blocking(self._acked + 1, self._send_ptr):
            # While busy: keepalives arrive a long command may run; a few missed ones mean trouble. A firmware
            # that sends none gets the long timeout.
            keepalive = self.profile.keepalive_s
            delay = keepalive * self.settings.keepalive_misses if keepalive else self.settings.long_command_timeout_s
        else:
            delay = self.settings.command_timeout_s
        return max(self._last_progress, newest) + delay

    def _expect_quick_answer(self) -> bool:
        """One line in flight that cannot block (free planner blocks, no wait): its answer is soon due.

        Silence then means the line or its answer was damaged (a lost newline leaves half a line waiting
        in the firmware), and probing at once is safe because the line number guards against repeats.
        """
        if self.in_flight != 1:
            return False
        if self.profile.advanced_ok:
            if self.flow.planner_free < 2:
                return False
        elif not (self.profile.quirks.checks_lines and self.profile.quirks.requests_resends):
            return False  # a resent line would run twice if it was only slow: no early probes
        return not self._lines[self._acked + 1].kind.may_block

    def on_timer(self, now: float) -> None:
        """The deadline passed: probe, or give up after too many unanswered probes."""
        deadline = self.deadline()
        if deadline is None or now < deadline:
            return
        quick = self._quiet_probes < QUICK_PROBES and (self._suspect_lost_ok or self._expect_quick_answer())
        if quick:
            self._probe("garbled or missing answer")
        else:
            self.stats.timeouts += 1
            self._probes_in_row += 1
            if self._probes_in_row > self.settings.probe_attempts:
                self._fatal(
                    LinkTimeoutError(
                        f"printer stopped answering: line {self._acked + 1} unacknowledged after "
                        f"{self._probes_in_row - 1} probes"
                    )
                )
                return
            self._probe("no answer")
        self.pump(now)

    def _probe(self, why: str) -> None:
        """Send the oldest unacknowledged line again; its number makes that safe.

        With plain oks an M105 follows as a sync marker: its `ok T:` is the one answer that names its line, so
        when it arrives the count of answered lines is exact again, whatever was lost before.
        """
        self.stats.probes += 1
        self._suspect_lost_ok = False
        self._quiet_probes += 1
        self._fall_back()
        self._send_ptr = self._acked + 1
        if self._counts_plain_oks() and not self.has_queued("M105"):
            self.queue("M105", LineKind.INSTANT, priority=True)

    def _counts_plain_oks(self) -> bool:
        return not (
            self.profile.advanced_ok or self.profile.quirks.ok_numbers_bare or self.profile.quirks.ok_on_receipt
        )

    def _suspect_garbled(self) -> None:
        if self.in_flight and self.flow.mode is FlowMode.PING_PONG:
            # Possibly a corrupted answer: probe soon instead of waiting for the full timeout.
            self._suspect_lost_ok = True

    def _stale_window(self) -> float:
        return self._rtt.stale_window()

    def _fall_back(self) -> None:
        if self.flow.fall_back():
            self.stats.fallbacks += 1

    # ---- failure --------------------------------------------------------------------------

    def _fatal(self, error: LinkError) -> None:
        self.sending = False
        self.events.append(LinkFailed(error))

    def _evict(self) -> None:
        self._lines.forget_below(min(self._acked - self.settings.history_size, self._finished_emitted))

    def status(self) -> dict[str, object]:
        """JSON-ready snapshot of the protocol state."""
        return {
            "in_flight": self.in_flight,
            "pending": len(self._pending),
            "last_acknowledged": self._acked,
            "last_finished": self._finished_emitted,
            "flow": self.flow.status(),
            "rtt_min_ms": self._rtt.minimum_ms(),
        }


def _quoted(text: str) -> str:
    """The command inside `Unknown command: "G1 X1*23"`, without its checksum."""
    start = text.find('"')
    body = text[start + 1 :].rsplit('"', 1)[0] if start >= 0 else text.split(":", 1)[-1]
    return body.split("*", 1)[0].strip()


def _same_command(unknown: str, command: str) -> bool:
    return unknown.upper() == command.strip().upper()

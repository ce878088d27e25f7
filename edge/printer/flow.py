"""Flow control: how many framed lines may be in flight without overrunning the firmware's RX buffer."""

from __future__ import annotations

import enum
from typing import Protocol

from edge.gcode.commands import LineKind

# What free_bytes allows when nothing is in flight: any line, however long.
UNLIMITED = 1 << 30


class FlowMode(enum.StrEnum):
    """Ping-pong keeps one line in flight; window keeps the firmware's buffers fed."""

    PING_PONG = "ping-pong"
    WINDOW = "window"


class Overcommit(enum.StrEnum):
    """Whether free planner blocks may count as room in the RX buffer (printer.overcommit)."""

    OFF = "off"
    ADAPTIVE = "adaptive"  # on until the first line error of the connection
    ON = "on"


class InFlight(Protocol):
    """What flow control needs to know about the lines numbered [first, end) that were sent."""

    def size(self, first: int, end: int) -> int:
        """Their bytes on the wire."""

    def moves(self, first: int, end: int) -> int:
        """How many of them are single-block moves."""

    def blocking(self, first: int, end: int) -> int:
        """How many of them may keep the firmware inside a command."""

    def holds(self, first: int, end: int) -> int:
        """How many of them are waits (heating, homing, emptying the planner)."""


class FlowControl:
    """Decides whether one more line may go on the wire; falls back to ping-pong after errors.

    The budget: bytes sent but not known to have left the RX buffer never exceed what it holds. A firmware
    that stalls (an LCD redraw, a reply written without a TX buffer, an SD write) takes no bytes out of RX
    meanwhile, so only what the firmware reported as moved into its command queue (ADVANCED_OK's B) makes
    room. Marlin's RX ring keeps one byte free, so the budget is rx_buffer_size - 1.

    With overcommit on, free planner blocks (ADVANCED_OK's P) also count, as long as every line in flight
    is a single-block move or an instant command: faster on a firmware that never stalls, overruns one
    that does. Adaptive over-commit switches itself off at the first line error of the connection.

    Nothing is sent after a wait (M109, M190, G28, M400, G4, ...) until it is answered.

    After an error the link goes ping-pong and widens again after a run of clean lines; each time a
    widened window fails again within a job the run it needs doubles, and once it would exceed
    max_clean_lines the link stays ping-pong for the rest of the job.
    """

    def __init__(
        self,
        *,
        max_lines: int,
        rx_buffer_size: int,
        clean_lines_to_widen: int,
        max_clean_lines: int,
        overcommit: Overcommit = Overcommit.OFF,
    ) -> None:
        self.max_lines = max_lines
        self.budget = max(1, rx_buffer_size - 1)
        self.base_clean_lines = clean_lines_to_widen
        self.max_clean_lines = max(max_clean_lines, clean_lines_to_widen)
        self.overcommit = overcommit
        self.mode = FlowMode.WINDOW if max_lines > 1 else FlowMode.PING_PONG
        self.required = clean_lines_to_widen
        self.clean_run = 0
        self.failed_widenings = 0
        self.noisy = False
        self.overcommit_tripped = False
        self.advanced = False
        self._last_ok_number = -1
        self._last_queue_free = 0
        self._last_planner_free = 0
        self._max_queue_free = 0

    def start_job(self) -> None:
        """A new job: widen after the base run of clean lines again."""
        self.required = self.base_clean_lines
        self.failed_widenings = 0
        self.noisy = False

    def note_advanced_ok(self, number: int, planner_free: int | None, queue_free: int | None) -> None:
        """Remember what an `ok N.. P.. B..` said about the firmware's planner and command queue."""
        self.advanced = True
        if queue_free is not None and planner_free is not None:
            self._last_ok_number = number
            self._last_queue_free = queue_free
            self._last_planner_free = planner_free
            self._max_queue_free = max(self._max_queue_free, queue_free)

    @property
    def planner_free(self) -> int:
        """Free planner blocks at the last ADVANCED_OK answer (0 when unknown)."""
        return self._last_planner_free if self.advanced else 0

    @property
    def queue_free(self) -> int | None:
        """Free command-buffer slots at the last ADVANCED_OK answer (None when unknown)."""
        return self._last_queue_free if self.advanced else None

    def fall_back(self) -> bool:
        """An error, resend or probe: one line at a time until the link proves clean; True if it was wide."""
        was_wide = self.mode is FlowMode.WINDOW
        if was_wide:
            self.failed_widenings += 1
            self.required = self.base_clean_lines << (self.failed_widenings - 1)
            if self.required > self.max_clean_lines:
                self.noisy = True
        self.mode = FlowMode.PING_PONG
        self.clean_run = 0
        self._last_ok_number = -1
        return was_wide

    def trip_overcommit(self) -> None:
        """A sign of a possible overrun: adaptive over-commit is off for the rest of the connection."""
        self.overcommit_tripped = True

    def note_clean(self, lines: int) -> None:
        """Lines were acknowledged without trouble; widen again after enough of them."""
        self.clean_run += lines
        if (
            self.mode is FlowMode.PING_PONG
            and self.max_lines > 1
            and not self.noisy
            and self.clean_run >= self.required
        ):
            self.mode = FlowMode.WINDOW

    def may_send(self, acked: int, send_ptr: int, sent: InFlight, next_size: int, next_kind: LineKind) -> bool:
        """Whether line `send_ptr` may be sent while lines acked+1 .. send_ptr-1 are in flight."""
        free = self.free_bytes(acked, send_ptr, sent)
        return free is not None and (next_size <= free or self.planner_room(acked, send_ptr, sent, next_kind))

    def free_bytes(self, acked: int, send_ptr: int, sent: InFlight) -> int | None:
        """The bytes line `send_ptr` may have by the RX budget (may be negative); None when nothing may be sent."""
        in_flight = send_ptr - 1 - acked
        if in_flight <= 0:
            return UNLIMITED
        if self.mode is FlowMode.PING_PONG or in_flight >= self.max_lines:
            return None
        first = acked + 1
        if sent.holds(first, send_ptr):
            # Nothing waits behind a heating or homing wait: a stop, a cancel or an M112 read from the line
            # (no emergency parser) then finds the firmware's queue empty, and nothing runs after a broken wait.
            return None
        if self.advanced and self._last_ok_number == acked:
            # Lines the last ok showed already in the command queue have left the RX buffer.
            first += self._max_queue_free - self._last_queue_free
        return self.budget - sent.size(first, send_ptr)

    def planner_room(self, acked: int, send_ptr: int, sent: InFlight, next_kind: LineKind) -> bool:
        """Whether over-commit lets a line go that does not fit the RX budget (where free_bytes allows sending)."""
        if self.overcommit is Overcommit.OFF or (self.overcommit is Overcommit.ADAPTIVE and self.overcommit_tripped):
            return False
        if not self.advanced or self._last_ok_number != acked:
            return False  # only the firmware's own count of free planner blocks can justify it
        if next_kind.may_block or sent.blocking(acked + 1, send_ptr):
            return False
        moves = sent.moves(acked + 1, send_ptr) + (next_kind is LineKind.MOVE)
        # One block of margin: the acknowledged line's own block may not be counted in P yet.
        return moves <= self._last_planner_free - 1

    def status(self) -> dict[str, object]:
        """JSON-ready snapshot."""
        return {
            "mode": self.mode.value,
            "rx_budget_bytes": self.budget,
            "overcommit": self.overcommit.value,
            "overcommit_tripped": self.overcommit_tripped,
            "clean_run": self.clean_run,
            "clean_lines_to_widen": self.required,
            "noisy": self.noisy,
            "advanced_ok": self.advanced,
            "planner_free": self._last_planner_free if self.advanced else None,
            "queue_free": self._last_queue_free if self.advanced else None,
        }

"""A model of Marlin's line handling, free of I/O and time, for property tests of the protocol core.

Bytes from the host wait "on the wire" until the test delivers them into a finite RX ring; the firmware
reads complete lines into its command queue only when the test lets it run and the queue has room (a
stalled firmware reads nothing); moves take planner blocks that the test retires. Replies wait until the
test hands them to the host. So every interleaving of delivery, stalls and faults is the test's to choose.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from edge.gcode.text import checksum


class Overrun(AssertionError):
    """More unread bytes arrived than the RX ring holds: the host over-committed."""


@dataclass
class ModelFirmware:
    """Marlin's RX ring, line checks, command queue, planner and replies (ADVANCED_OK optional)."""

    rx_size: int = 128
    bufsize: int = 4
    planner_size: int = 16
    advanced_ok: bool = True
    ok_after_resend: bool = True
    wire: bytearray = field(default_factory=bytearray)
    rx: bytearray = field(default_factory=bytearray)
    queue: deque[tuple[int | None, str]] = field(default_factory=deque)
    replies: deque[str] = field(default_factory=deque)
    executed: list[tuple[int | None, str]] = field(default_factory=list)
    last_n: int = 0
    planner: deque[int | None] = field(default_factory=deque)
    damaged_lines: int = 0
    _line_damaged: bool = False

    @property
    def planner_free(self) -> int:
        """Marlin's moves_free(): one slot always stays empty."""
        return self.planner_size - 1 - len(self.planner)

    def finished_through(self) -> int:
        """The last line number such that every numbered line up to it has run to its end."""
        waiting = [n for n in self.planner if n is not None] + [n for n, _ in self.queue if n is not None]
        if waiting:
            return min(waiting) - 1
        numbered = [n for n, _ in self.executed if n is not None]
        return numbered[-1] if numbered else -1

    def host_writes(self, data: bytes) -> None:
        """Bytes the host put on the wire."""
        self.wire += data

    def deliver(self, count: int, flip: int | None = None) -> None:
        """`count` bytes arrive from the wire into RX; `flip` damages one of them (an index into them).

        At most one bit per line is flipped: two flips of the same bit in one line pass the XOR checksum
        whatever the host does (counted apart by the tests on the simulator).
        """
        chunk = bytearray(self.wire[:count])
        del self.wire[:count]
        if flip is not None and chunk:
            at = flip % len(chunk)
            line_damaged = self._line_damaged and b"\n" not in chunk[:at]
            if not line_damaged:
                chunk[at] ^= 1 << (flip % 7)
                self._line_damaged = b"\n" not in chunk[at:]
                self.damaged_lines += 1
        elif b"\n" in chunk:
            self._line_damaged = False
        if len(self.rx) + len(chunk) > self.rx_size - 1:
            raise Overrun(f"{len(self.rx) + len(chunk)} unread bytes for an RX ring of {self.rx_size}")
        self.rx += chunk

    def run(self) -> None:
        """Marlin's loop: read lines while the queue has room, run commands until one must wait."""
        while True:
            self._read_lines()
            if not self.queue or not self._execute_head():
                return

    def retire_block(self) -> None:
        """The steppers finish the oldest planner block."""
        if self.planner:
            self.planner.popleft()

    def _read_lines(self) -> None:
        while len(self.queue) < self.bufsize:
            end = self.rx.find(b"\n")
            if end < 0:
                return
            raw = bytes(self.rx[:end])
            del self.rx[: end + 1]
            if not self._accept(raw):
                return

    def _accept(self, raw: bytes) -> bool:
        line = raw.strip()
        if not line:
            return True
        if line[:1] != b"N":
            # Marlin's default parser is case sensitive: a line whose N was damaged is an unknown command,
            # unless what is left happens to start with a command letter.
            text = line.split(b"*", 1)[0].decode("latin-1").strip()
            self.queue.append((None, text))
            return True
        m110 = b"M110" in line
        try:
            number = int(line[1:].split(b" ", 1)[0])
        except ValueError:
            number = -1
        if m110:
            second = line.find(b"N", 4)
            if second > 0:
                digits = line[second + 1 :].split(b"*", 1)[0].strip()
                number = int(digits) if digits.isdigit() else number
        if number != self.last_n + 1 and not m110:
            return self._line_error("Line Number is not Last Line Number+1")
        star = line.rfind(b"*")
        if star < 0:
            return self._line_error("No Checksum with line number")
        try:
            claimed = int(line[star + 1 :])
        except ValueError:
            claimed = -1
        if claimed != checksum(line[:star]):
            return self._line_error("checksum mismatch")
        self.last_n = number
        text = line[:star].decode("latin-1").split(" ", 1)[1] if b" " in line[:star] else ""
        self.queue.append((number, text.strip()))
        return True

    def _line_error(self, message: str) -> bool:
        self.replies.append(f"Error:{message}, Last Line: {self.last_n}")
        self.rx.clear()  # Marlin drains RX; bytes still on the wire arrive later
        self.replies.append(f"Resend: {self.last_n + 1}")
        if self.ok_after_resend:
            self.replies.append("ok")
        return False

    def _execute_head(self) -> bool:
        """Run the command at the head of the queue; False when it must wait for a planner block."""
        number, text = self.queue[0]
        word = text.split(" ", 1)[0].upper()
        known = word[:1] in ("G", "M") and word[1:].isdigit()
        moves = word in ("G0", "G1") and any(axis in text for axis in "XYZE")
        if moves and self.planner_free <= 0:
            return False  # waits for a planner slot; stays in the queue
        if word in ("M400", "G28") and self.planner:
            return False  # waits for the planner to empty
        self.queue.popleft()
        self.executed.append((number, text))
        if moves:
            self.planner.append(number)
        if word == "M110":
            # As Marlin's M110 handler: the N argument sets the counter when it runs, numbered line or not.
            argument = text.split(" ", 1)[1].strip() if " " in text else ""
            if argument[:1] == "N" and argument[1:].isdigit():
                self.last_n = int(argument[1:])
        if not known:
            self.replies.append(f'echo:Unknown command: "{text}"')
        if word == "M105":
            self.replies.append("ok T:20.00 /0.00 B:20.00 /0.00 @:0 B@:0")
            return True
        if self.advanced_ok:
            n = f" N{number}" if number is not None else ""
            self.replies.append(f"ok{n} P{self.planner_free} B{self.bufsize - len(self.queue) - 1}")
        else:
            self.replies.append("ok")
        return True

"""Settings, counters and the executed-line record of the virtual printer."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from edge.printer.simulator.dialects import check_dialect

if TYPE_CHECKING:
    from edge.config.schema import SimulatorConfig


@dataclass(kw_only=True)
class SimulatorSettings:
    """How the virtual printer behaves: wire, buffers, timing, faults and quirks."""

    baud: int = 250000  # 0 = unpaced (as fast as the pty goes)
    latency_ms: float = 2.0  # added to every transfer, each direction (USB adapter latency)
    rx_buffer: int = 128  # firmware serial RX buffer in bytes; overflow corrupts input
    command_buffer: int = 4  # Marlin BUFSIZE (command queue)
    planner_buffer: int = 16  # Marlin BLOCK_BUFFER_SIZE (one slot stays free, as in Marlin)
    advanced_ok: bool = True  # "ok N<n> P<planner free> B<queue free>"
    time_scale: float = 1.0  # multiplies durations of moves, dwells, homing, heating (0 => instant)
    fault_rate_in: float = 0.0  # probability each host->printer byte is corrupted
    fault_rate_out: float = 0.0  # probability each printer->host byte is corrupted
    lose_ok_rate: float = 0.0  # probability an ok is silently not sent
    seed: int | None = None
    autoreport_temp: bool = True  # advertise Cap:AUTOREPORT_TEMP:1 and honour M155 S<n>
    busy_interval_s: float = 2.0  # "echo:busy: processing" while one command blocks longer than this
    idle_wait: bool = False  # quirk: send "wait" every second while idle
    resend_without_ok: bool = False  # quirk: "Resend: n" not followed by "ok"
    max_line_length: int = 96  # Marlin MAX_CMD_SIZE: at most max_line_length - 1 characters are kept
    command_time_ms: float = 0.0  # every command holds the main loop this long (not scaled) before it completes
    blocking_replies: bool = False  # no TX buffer (AVR TX_BUFFER_SIZE 0): writing a reply holds the main loop
    stall_every_ms: float = 0.0  # a periodic stall (an LCD redraw) starts this often; 0 = never
    stall_ms: float = 0.0  # how long each periodic stall holds the main loop
    emergency_parser: bool = True  # Marlin EMERGENCY_PARSER: M108/M112/M410 act as their bytes arrive
    dialect: str = "marlin"  # the firmware spoken: marlin, prusa, reprapfirmware, klipper, repetier
    gcode_arcs: bool = False  # Klipper: a [gcode_arcs] section is configured (G2/G3 exist)
    hotend_fault: str = "none"  # dead, thermistor_open, stuck, runaway (edge.printer.simulator.heaters)
    bed_fault: str = "none"
    executed_log: Path | None = None
    executed_memory: int | None = None  # executed lines kept in memory (the newest); None = all

    def __post_init__(self) -> None:
        """An unknown dialect is a ConfigError naming the value."""
        check_dialect(self.dialect)

    @classmethod
    def from_config(cls, cfg: SimulatorConfig) -> SimulatorSettings:
        """Settings from the `simulator` config section; fault_rate applies to both directions."""
        return cls(
            baud=cfg.baud,
            latency_ms=cfg.latency_ms,
            rx_buffer=cfg.rx_buffer,
            command_buffer=cfg.command_buffer,
            planner_buffer=cfg.planner_buffer,
            advanced_ok=cfg.advanced_ok,
            time_scale=cfg.time_scale,
            fault_rate_in=cfg.fault_rate,
            fault_rate_out=cfg.fault_rate,
            command_time_ms=cfg.command_time_ms,
            blocking_replies=cfg.blocking_replies,
            stall_every_ms=cfg.stall_every_ms,
            stall_ms=cfg.stall_ms,
            emergency_parser=cfg.emergency_parser,
            dialect=cfg.dialect,
            executed_memory=cfg.executed_memory_lines,
            hotend_fault=cfg.hotend_fault,
            bed_fault=cfg.bed_fault,
        )


class ExecutedLine(NamedTuple):
    """One command the firmware executed (a NamedTuple: one is built per command, far cheaper than a dataclass)."""

    number: int | None  # the N of the line, None for an unnumbered command (e.g. a stray tail)
    command: str  # the command text as executed (without N and *checksum)
    corrupted: bool  # held a damaged byte the checksum did not catch (or was unnumbered and damaged)
    time: float  # loop.time() when executed
    fragment: bool = False  # the rest of a line whose beginning the RX drain after a line error threw away
    unknown: bool = False  # answered with "echo:Unknown command" (not run)
    before: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # logical X, Y, Z, E when it started

    def log_line(self) -> str:
        """The line written to the executed log: `<N or -> <command>` plus tab-separated `#marks`."""
        number = "-" if self.number is None else str(self.number)
        marks = ""
        if self.corrupted:
            marks += "\t#corrupted"
        if self.fragment:
            marks += "\t#fragment"
        if self.unknown:
            marks += "\t#unknown"
        return f"{number} {self.command}{marks}\n"


@dataclass
class SimulatorStats:
    """Counters of everything the virtual printer saw and did."""

    bytes_in: int = 0  # bytes the host wrote
    bytes_out: int = 0  # bytes of replies generated
    lines_received: int = 0  # complete non-empty lines the firmware read from its RX buffer
    line_errors: int = 0  # lines answered with Error: (line number, checksum, no checksum)
    resends_requested: int = 0  # "Resend:" lines sent
    rx_overflows: int = 0  # bytes lost because the RX buffer was full
    underruns: int = 0  # moves added to an empty planner in the middle of a run of moves
    moves: int = 0  # planner blocks added
    corrupted_in: int = 0  # host bytes corrupted by fault injection
    corrupted_out: int = 0  # reply bytes corrupted by fault injection
    oks_lost: int = 0  # oks not sent (lose_ok_rate or lose_next_ok)
    # With the emergency parser: loop.time() the first M112 line began to arrive; without it: when acted on.
    emergency_stop_at: float | None = None
    max_queue_depth: int = 0  # deepest the command queue got
    max_planner_depth: int = 0  # deepest the planner got
    commands_executed: int = 0  # commands executed (numbered or not)
    unnumbered_executed: int = 0  # commands executed without a line number (stray tails included)
    executed_corrupted: int = 0  # executed commands that held an undetected damaged byte
    unknown_commands: int = 0  # commands answered with "echo:Unknown command"
    lines_swallowed: int = 0  # lines dropped by swallow_next_line()
    long_lines: int = 0  # lines truncated to max_line_length - 1 characters
    busy_messages: int = 0  # "echo:busy:" keepalives sent
    kills: int = 0  # times the firmware halted (M112 or kill())
    resets: int = 0  # firmware restarts after the first start
    stalls: int = 0  # times the main loop was held (command time, blocking replies, periodic stalls)
    stall_time_s: float = 0.0  # total time the main loop was held

    def as_dict(self) -> dict[str, int | float | None]:
        """JSON-ready form."""
        return asdict(self)

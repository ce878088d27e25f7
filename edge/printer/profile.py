"""What the link knows about the firmware: a named dialect's quirks, refined by M115 and by observation."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace


class Dialect(enum.StrEnum):
    """Firmware families whose serial protocol differs in ways the link must know."""

    MARLIN = "marlin"
    PRUSA = "prusa"
    REPRAPFIRMWARE = "reprapfirmware"
    KLIPPER = "klipper"
    REPETIER = "repetier"
    UNKNOWN = "unknown"


@dataclass(frozen=True, kw_only=True)
class Quirks:
    """How one firmware family speaks the line protocol."""

    checks_lines: bool = True  # rejects damaged or misnumbered lines (Klipper strips N and * unchecked)
    requests_resends: bool = True  # answers a rejected line with `Resend:` (RepRapFirmware drops it silently)
    ok_after_resend: bool | None = True  # an `ok` follows `Resend:`; None: learn it at connect
    ok_on_receipt: bool = False  # `ok` when a line is queued, before it runs (Repetier)
    ok_numbers_bare: bool = False  # `ok 123` names the line (Repetier)
    bang_is_fatal: bool = True  # `!!` means halted (Marlin); Klipper uses it for an ordinary command error
    keepalive_s: float | None = None  # `busy:` interval when a command runs long; None: sends none
    queries_keepalive: bool = False  # answers `M113` with its interval
    planner_depth: int | None = None  # acknowledged moves that may still be queued; None: printer.planner_blocks
    ack_ahead_lines: int = 0  # lines acknowledged before they run (Repetier's command buffer)
    emergency_parser: bool = False  # acts on M112 as its bytes arrive, even while busy


QUIRKS: dict[Dialect, Quirks] = {
    Dialect.MARLIN: Quirks(ok_after_resend=None, keepalive_s=2.0, queries_keepalive=True),
    Dialect.PRUSA: Quirks(keepalive_s=2.0, queries_keepalive=True),
    Dialect.REPRAPFIRMWARE: Quirks(requests_resends=False, ok_after_resend=False, planner_depth=64),
    # Klipper's GCodeIO._process_data() acts on an unnumbered M112 as soon as it reads it.
    Dialect.KLIPPER: Quirks(
        checks_lines=False,
        requests_resends=False,
        ok_after_resend=False,
        bang_is_fatal=False,
        planner_depth=4096,
        emergency_parser=True,
    ),
    # Repetier's default GCODE_BUFFER_SIZE is 2; 16 lines acknowledged ahead leaves room for boards built larger.
    Dialect.REPETIER: Quirks(ok_on_receipt=True, ok_numbers_bare=True, planner_depth=32, ack_ahead_lines=16),
    Dialect.UNKNOWN: Quirks(ok_after_resend=None),
}

_NAMES = (
    ("prusa-firmware", Dialect.PRUSA),
    ("reprapfirmware", Dialect.REPRAPFIRMWARE),
    ("klipper", Dialect.KLIPPER),
    ("repetier", Dialect.REPETIER),
    ("marlin", Dialect.MARLIN),
)


def dialect_of(firmware_name: str) -> Dialect:
    """The dialect a FIRMWARE_NAME belongs to (Prusa's name also says "based on Marlin": it is checked first)."""
    low = firmware_name.lower()
    for needle, dialect in _NAMES:
        if needle in low:
            return dialect
    return Dialect.UNKNOWN


@dataclass(kw_only=True)
class FirmwareProfile:
    """The firmware as the link came to know it during this connection."""

    dialect: Dialect = Dialect.UNKNOWN
    quirks: Quirks = field(default_factory=lambda: QUIRKS[Dialect.UNKNOWN])
    name: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    capabilities: dict[str, bool] = field(default_factory=dict)
    advanced_ok: bool = False  # seen an `ok N<n> P<p> B<b>`
    keepalive_s: float | None = None  # confirmed by M113 or seen `busy:` lines
    ok_after_resend: bool | None = None  # from the dialect, or learnt at connect

    def identify(self, fields: dict[str, str]) -> None:
        """Take the M115 firmware line: name, dialect and its quirks."""
        self.fields = dict(fields)
        self.name = fields.get("FIRMWARE_NAME", "")
        self.dialect = dialect_of(self.name)
        self.quirks = QUIRKS[self.dialect]
        self.keepalive_s = self.quirks.keepalive_s
        self.ok_after_resend = self.quirks.ok_after_resend

    @property
    def emergency_parser(self) -> bool:
        """Whether M112 acts at once, even while the firmware is busy or its queue is full."""
        return self.capabilities.get("EMERGENCY_PARSER", False) or self.quirks.emergency_parser

    @property
    def autoreport_temperatures(self) -> bool:
        """Whether to use M155 autoreport rather than polling M105.

        With plain oks, the `ok T:` of a polled M105 is the one answer that names its line, which keeps the
        count of acknowledged lines honest; so only firmware that numbers its oks autoreports.
        """
        return self.capabilities.get("AUTOREPORT_TEMP", False) and self.advanced_ok

    @property
    def arcs(self) -> bool:
        """Whether the firmware executes G2/G3."""
        return self.capabilities.get("ARCS", self.dialect in (Dialect.PRUSA, Dialect.REPETIER, Dialect.REPRAPFIRMWARE))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "dialect": self.dialect.value,
            "name": self.name,
            "emergency_parser": self.emergency_parser,
            "advanced_ok": self.advanced_ok,
            "keepalive_s": self.keepalive_s,
            "ok_after_resend": self.ok_after_resend,
            "autoreport_temperatures": self.autoreport_temperatures,
            "arcs": self.arcs,
            "capabilities": dict(self.capabilities),
        }

    def copy(self) -> FirmwareProfile:
        """An independent copy."""
        return replace(self, fields=dict(self.fields), capabilities=dict(self.capabilities))

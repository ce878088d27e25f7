"""Counters of the printer link, kept for each connection and for each job."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass
class LinkStats:
    """What happened on the wire: the figures that tell how healthy the link is."""

    lines_acked: int = 0
    bytes_acked: int = 0
    transmissions: int = 0
    retransmissions: int = 0
    resend_requests: int = 0
    stale_resends: int = 0
    line_errors: int = 0
    fallbacks: int = 0
    probes: int = 0
    timeouts: int = 0
    fragments: int = 0  # unnumbered line tails that ran (seen through ADVANCED_OK)
    fragments_unknown: int = 0  # unnumbered tails the firmware did not understand
    false_acks: int = 0
    stray_oks: int = 0
    unrecognized: int = 0
    busy: int = 0
    realignments: int = 0

    def resend_ratio(self) -> float:
        """Retransmitted lines per acknowledged line."""
        return self.retransmissions / self.lines_acked if self.lines_acked else 0.0

    def copy(self) -> LinkStats:
        """A snapshot."""
        return LinkStats(**asdict(self))

    def since(self, start: LinkStats) -> LinkStats:
        """The counts added after the snapshot `start` (a job's share of the connection)."""
        return LinkStats(**{f.name: getattr(self, f.name) - getattr(start, f.name) for f in fields(self)})

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form with the resend ratio."""
        return asdict(self) | {"resend_ratio": round(self.resend_ratio(), 4)}

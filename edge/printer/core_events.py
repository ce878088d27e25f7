"""What the protocol core reports besides bytes, acknowledgements and finished lines."""

from __future__ import annotations

from dataclasses import dataclass

from edge.core.errors import LinkError
from edge.printer.protocol import Temperatures


@dataclass(slots=True)
class LinkFailed:
    """The link cannot go on (halted firmware, resend loop, no answer): every waiting command fails."""

    error: LinkError


@dataclass(slots=True)
class TemperaturesChanged:
    """A temperature report arrived."""

    temperatures: Temperatures


@dataclass(slots=True)
class HostActionRequested:
    """`//action:<name>` from the firmware."""

    action: str
    args: str


@dataclass(slots=True)
class FirmwareNotice:
    """A line worth telling a person about: an error the firmware survived, a warning."""

    level: str
    text: str


@dataclass(slots=True)
class FirmwareRestarted:
    """The firmware printed `start`: it was reset or lost power."""


@dataclass(slots=True)
class FragmentRan:
    """An unnumbered tail of a cut line reached the firmware (ADVANCED_OK answered it without N).

    `numbers` are the lines in flight at the last line error (the tail came from one of them) and `tags` their
    callers' tags; `unknown` when the firmware did not understand the tail, so nothing ran.
    """

    numbers: tuple[int, ...]
    tags: tuple[object | None, ...]
    unknown: bool


CoreEvent = LinkFailed | TemperaturesChanged | HostActionRequested | FirmwareNotice | FirmwareRestarted | FragmentRan

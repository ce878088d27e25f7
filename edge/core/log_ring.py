"""A bounded in-memory log handler: the newest records of the appliance, numbered for tailing."""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass

LOG_RING_SIZE = 1000
# Every request would log itself into the tail (the panel reading the tail, too): the access log stays out.
EXCLUDED_LOGGERS = ("printedge.web.access",)


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One formatted log record."""

    seq: int
    at: float
    level: str
    logger: str
    message: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"seq": self.seq, "at": self.at, "level": self.level, "logger": self.logger, "message": self.message}


class LogRing(logging.Handler):
    """Keeps the newest `size` records; attach() it to a logger, detach() when done."""

    def __init__(self, size: int = LOG_RING_SIZE, level: int = logging.INFO) -> None:
        super().__init__(level)
        self._entries: deque[LogEntry] = deque(maxlen=size)
        self._seq = 0
        self._logger: logging.Logger | None = None

    @property
    def last_seq(self) -> int:
        """The number of the newest record (0 before any)."""
        return self._seq

    def attach(self, logger: logging.Logger) -> None:
        """Start collecting the records of `logger` and its children."""
        self.detach()
        logger.addHandler(self)
        self._logger = logger

    def detach(self) -> None:
        """Stop collecting; the entries stay readable."""
        if self._logger is not None:
            self._logger.removeHandler(self)
            self._logger = None

    def emit(self, record: logging.LogRecord) -> None:
        """Store one record (never raises: a broken log line must not break the caller)."""
        if record.name.startswith(EXCLUDED_LOGGERS):
            return
        try:
            message = record.getMessage()
            if record.exc_info and record.exc_info[0] is not None:
                message += "\n" + logging.Formatter().formatException(record.exc_info)
        except Exception:  # noqa: BLE001 - a record with bad arguments is shown, not raised
            message = f"(unformattable log record: {record.msg!r})"
        self._seq += 1
        self._entries.append(LogEntry(self._seq, record.created, record.levelname, record.name, message))

    def after(self, seq: int, limit: int) -> list[LogEntry]:
        """Up to `limit` of the newest entries numbered above `seq`, oldest first."""
        newer = [entry for entry in reversed(self._entries) if entry.seq > seq][:limit]
        newer.reverse()
        return newer

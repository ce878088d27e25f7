"""The protocol core's settings, taken from the printer configuration."""

from __future__ import annotations

from dataclasses import dataclass

from edge.config.schema import PrinterConfig
from edge.printer.flow import Overcommit


@dataclass(frozen=True, kw_only=True)
class CoreSettings:
    """Limits and timeouts of the line protocol."""

    max_lines: int = 32
    rx_buffer_size: int = 128
    history_size: int = 2048
    command_timeout_s: float = 10.0
    long_command_timeout_s: float = 1800.0
    probe_attempts: int = 5
    resend_loop_limit: int = 25
    clean_lines_to_widen: int = 200
    max_clean_lines_to_widen: int = 12800
    overcommit: Overcommit = Overcommit.OFF
    planner_blocks: int = 16
    keepalive_misses: int = 3

    @classmethod
    def from_config(cls, config: PrinterConfig) -> CoreSettings:
        """Settings for a PrinterConfig (window 'auto' means max_inflight_lines)."""
        return cls(
            max_lines=config.max_inflight_lines if config.window == "auto" else int(config.window),
            rx_buffer_size=config.rx_buffer_size,
            history_size=config.history_size,
            command_timeout_s=config.command_timeout_s,
            long_command_timeout_s=config.long_command_timeout_s,
            probe_attempts=config.probe_attempts,
            resend_loop_limit=config.resend_loop_limit,
            clean_lines_to_widen=config.clean_lines_to_widen,
            max_clean_lines_to_widen=config.max_clean_lines_to_widen,
            overcommit=Overcommit(config.overcommit),
            planner_blocks=config.planner_blocks,
            keepalive_misses=config.keepalive_misses,
        )

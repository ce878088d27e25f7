"""Moves outbox messages to the broker at QoS 1 and deletes each only after its PUBACK (at-least-once)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from edge.store.outbox import OutboxRepository
from edge.telemetry.payloads import with_dropped

if TYPE_CHECKING:
    from edge.telemetry.link import MqttLink

log = logging.getLogger("printedge.mqtt")


class OutboxForwarder:
    """Keeps up to max_inflight outbox messages unacknowledged; after a reconnect, sends the unacknowledged again."""

    def __init__(self, outbox: OutboxRepository, link: MqttLink, max_inflight: int, dropped: Callable[[], int]) -> None:
        self.outbox = outbox
        self.link = link
        self.max_inflight = max_inflight
        self.dropped = dropped
        self.sent = 0
        self.acknowledged = 0
        self._wake = asyncio.Event()
        self._acked: list[int] = []
        self._inflight: set[int] = set()
        self._cursor = 0
        self._generation = -1

    def wake(self) -> None:
        """Something changed: a new message, an acknowledgement, a connection."""
        self._wake.set()

    async def run(self) -> None:
        """Forward until cancelled."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self._forget_acknowledged()
            if not self.link.connected:
                continue
            if self._generation != self.link.connects:
                # A new connection: whatever was unacknowledged on the last one goes again, oldest first.
                self._generation = self.link.connects
                self._cursor = 0
                self._inflight.clear()
            await self._send_more()

    async def _forget_acknowledged(self) -> None:
        acked, self._acked = self._acked, []
        if acked:
            await self.outbox.delete(acked)
            self.acknowledged += len(acked)

    async def _send_more(self) -> None:
        room = self.max_inflight - len(self._inflight)
        if room <= 0:
            return
        messages = await self.outbox.after(self._cursor, room)
        generation = self._generation
        for message in messages:
            payload = with_dropped(message.payload, self.dropped())
            if not self.link.publish(
                message.topic, payload, qos=1, on_done=partial(self._done, generation, message.id)
            ):
                return
            self.sent += 1
            self._inflight.add(message.id)
            self._cursor = message.id

    def _done(self, generation: int, row: int, ok: bool) -> None:
        if ok:
            self._acked.append(row)
        if generation == self._generation:
            self._inflight.discard(row)
        self._wake.set()

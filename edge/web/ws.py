"""The live WebSocket: a snapshot on connect, then every bus event; slow clients are cut off."""

from __future__ import annotations

import asyncio
import json
import logging
import struct
from dataclasses import dataclass

from aiohttp import WSCloseCode, WSMsgType, web

from edge.core.events import Event, Subscription
from edge.services import Services
from edge.web.routes_system import build_status

log = logging.getLogger("printedge.web")

MAILBOX_SIZE = 256
SEND_TIMEOUT_S = 5.0
CLOSE_TIMEOUT_S = 2.0
HEARTBEAT_S = 30.0
# How long a closed client that is behind may still read what was queued for it.
DROP_AFTER_S = 10.0
# Below this much unsent data, an event's frame is written straight to the socket; above, the sender waits
# (at most SEND_TIMEOUT_S) for the client to read, as a slow client must.
DIRECT_WRITE_LIMIT = 64 * 1024


class ClientTooSlowError(Exception):
    """A WebSocket client is not taking its messages fast enough."""


@dataclass(eq=False)
class WebSocketClient:
    """One connected client: its socket, its own bus subscription and the task that feeds it."""

    ws: web.WebSocketResponse
    subscription: Subscription
    peer: str
    transport: asyncio.Transport | None
    sender: asyncio.Task[None] | None = None
    sent: int = 0
    closed_because: str = ""


class WebSocketHub:
    """Every live WebSocket client; each is fed by its own task so none can hold up the others."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._clients: set[WebSocketClient] = set()
        self._closing = False
        self.send_timeout_s = SEND_TIMEOUT_S
        self.mailbox_size = MAILBOX_SIZE
        self._encoded_event: Event | None = None
        self._encoded_text = ""
        self._encoded_frame = b""

    @property
    def count(self) -> int:
        """How many clients are connected."""
        return len(self._clients)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """Serve one client until it or the server goes away."""
        # No per-message compression: the frames are small, and compressing each for every client costs the loop.
        ws = web.WebSocketResponse(heartbeat=HEARTBEAT_S, timeout=CLOSE_TIMEOUT_S, compress=False)
        await ws.prepare(request)
        if self._closing:
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server is shutting down")
            return ws
        # Subscribe before taking the snapshot, so nothing falls between the two.
        subscription = self._services.bus.subscribe(maxsize=self.mailbox_size)
        client = WebSocketClient(
            ws=ws, subscription=subscription, peer=str(request.remote), transport=request.transport
        )
        snapshot: dict[str, object] = {"type": "snapshot", "status": build_status(self._services)}
        sender = asyncio.create_task(self._feed(client, snapshot), name=f"web.ws.{client.peer}")
        client.sender = sender
        self._clients.add(client)
        log.info("websocket client %s connected (%d connected)", client.peer, len(self._clients))
        try:
            async for message in ws:
                # Clients only listen for now; what they send is read (to see the close) and ignored.
                if message.type is WSMsgType.ERROR:
                    break
        finally:
            self._clients.discard(client)
            subscription.close()
            if client.closed_because:
                # The sender is closing the socket: let it finish the close handshake.
                await asyncio.wait({sender}, timeout=3 * CLOSE_TIMEOUT_S)
            await _cancel(sender)
            log.info(
                "websocket client %s disconnected after %d messages%s",
                client.peer,
                client.sent,
                f" ({client.closed_because})" if client.closed_because else "",
            )
        return ws

    async def close_all(self) -> None:
        """Close every client (server shutdown); new clients are turned away from now on."""
        self._closing = True
        clients = list(self._clients)
        for client in clients:
            client.subscription.close()
            await _cancel(client.sender)
        await asyncio.gather(
            *(self._close(client, WSCloseCode.GOING_AWAY, "server is shutting down") for client in clients)
        )

    async def cancel_all(self) -> None:
        """Cancel whatever sender task is still running (cleanup after shutdown)."""
        for client in list(self._clients):
            client.subscription.close()
            await _cancel(client.sender)

    async def _feed(self, client: WebSocketClient, snapshot: dict[str, object]) -> None:
        try:
            await self._send(client, json.dumps(snapshot))
            async for event in client.subscription:
                if client.subscription.dropped:
                    raise ClientTooSlowError(f"fell behind by {client.subscription.dropped} events")
                text = self._encode(event)
                if not self._write_direct(client, self._encoded_frame):
                    await self._send(client, text)
        except ClientTooSlowError as exc:
            log.warning("websocket client %s is too slow: %s; closing it", client.peer, exc)
            await self._close(client, WSCloseCode.TRY_AGAIN_LATER, f"client too slow: {exc}")
        except ConnectionError as exc:
            log.debug("websocket client %s went away: %s", client.peer, exc)

    def _encode(self, event: Event) -> str:
        # Every client receives the same event objects: encode each once, not once per client.
        if event is not self._encoded_event:
            self._encoded_event, self._encoded_text = event, json.dumps(event.to_dict())
            self._encoded_frame = text_frame(self._encoded_text)
        return self._encoded_text

    def _write_direct(self, client: WebSocketClient, frame: bytes) -> bool:
        """Write a ready-made frame to a client keeping up, without a task switch; False: take the slow path."""
        transport = client.transport
        if (
            transport is None
            or transport.is_closing()
            or client.ws.closed
            or transport.get_write_buffer_size() > DIRECT_WRITE_LIMIT
        ):
            return False
        # One write of a whole frame: aiohttp's own frames (pings, the close) also go out whole, never interleaved.
        transport.write(frame)
        client.sent += 1
        return True

    async def _send(self, client: WebSocketClient, text: str) -> None:
        if client.ws.closed:
            raise ConnectionResetError("websocket is closed")
        try:
            async with asyncio.timeout(self.send_timeout_s):
                await client.ws.send_str(text)
        except TimeoutError:
            raise ClientTooSlowError(f"a message was not taken within {self.send_timeout_s:g} s") from None
        client.sent += 1

    async def _close(self, client: WebSocketClient, code: int, reason: str) -> None:
        client.closed_because = reason
        # A close frame is at most 125 bytes with its 2-byte code.
        message = reason.encode()[:120]
        try:
            # No drain: the close frame queues behind whatever a slow client has not read yet.
            await asyncio.wait_for(client.ws.close(code=code, message=message, drain=False), 2 * CLOSE_TIMEOUT_S)
        except TimeoutError:
            log.debug("websocket client %s did not answer the close", client.peer)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            # aiohttp re-raises a drain that a timed-out send cancelled earlier: the socket is stuck.
            log.debug("websocket client %s: socket stuck while closing", client.peer)
        except ConnectionError as exc:
            log.debug("websocket client %s: close failed: %s", client.peer, exc)
        self._drop_later(client)

    def _drop_later(self, client: WebSocketClient) -> None:
        """Give a client that is behind a moment to read up to the close frame, then cut the connection."""
        transport = client.transport
        if transport is None or not transport.get_write_buffer_size():
            return
        asyncio.get_running_loop().call_later(DROP_AFTER_S, transport.abort)


def text_frame(text: str) -> bytes:
    """A final, unmasked, uncompressed WebSocket text frame (RFC 6455 5.2), as a server sends it."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload


async def _cancel(task: asyncio.Task[None] | None) -> None:
    if task is None or task.done() or task is asyncio.current_task():
        return
    task.cancel()
    # wait() rather than await: a cancellation of the caller itself still propagates.
    await asyncio.wait({task})


WEBSOCKETS = web.AppKey("websockets", WebSocketHub)

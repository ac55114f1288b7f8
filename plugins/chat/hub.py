"""The embedded hub: the subset of Nchan's protocol the chat uses, in one small asyncio process.

Why a process of its own: ``amphi serve`` runs a few waitress threads per process, and a
subscriber holds its connection for as long as it watches; 1,500 viewers would need 1,500
threads. Here each subscription is a socket and a few hundred bytes in one event loop, and
the web threads only ever publish (one short loopback POST after a commit).

Protocol (as Nchan's, so that the application has one code path):

* ``POST /chat/pub/<channel>`` with a JSON body: from loopback only, and carrying the publication
  secret (a key derived from the site secret) in ``X-Amphi-Chat-Secret``: nobody else can forge an
  event. Answers 201 when someone listened, 202 otherwise, with ``{"messages", "subscribers"}``;
  ``GET`` on it answers the same counts.
* ``GET /chat/sub/<channel>?t=<token>``: an EventSource (``text/event-stream``) that first gets the
  channel's last messages (those after ``Last-Event-ID`` on a reconnection), then every new one.

Subscriptions are authorised by a signed, expiring token (:func:`plugins.chat.delivery.make_token`)
the application issues after it checked the visitor's access to the room, rather than by asking
the application for each subscription: 1,500 viewers joining at the start of a lecture would
otherwise queue behind the four web threads, and a hub that opens no database and calls nobody
keeps working while the application restarts. The token binds the channel (site and room) and an
expiry, so a forged, altered, expired or other channel's token gets 403; the page asks the
application for a new one when a subscription is refused.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import ipaddress
import json
import logging
import re
import time
from collections import deque
from urllib.parse import parse_qs, urlsplit

from plugins.chat.delivery import PUBLISH_SECRET_HEADER, token_valid

log = logging.getLogger(__name__)
SUB = re.compile(r"^/chat/sub/([A-Za-z0-9_-]{1,100})$")
PUB = re.compile(r"^/chat/pub/([A-Za-z0-9_-]{1,100})$")
MAX_BODY = 64 * 1024
MAX_HEADERS = 16 * 1024
#: A subscriber that leaves this much unsent (it stopped reading) is dropped; its browser reconnects.
MAX_BACKLOG = 256 * 1024
KEEPALIVE = 25.0
REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
}


class Channel:
    """A channel's last messages and its subscribers' writers."""

    def __init__(self, keep: int):
        self.messages: deque[tuple[int, bytes]] = deque(maxlen=keep)
        self.subscribers: set[asyncio.StreamWriter] = set()
        self.last_used = time.monotonic()


class Hub:
    """The channels, the keys, and the HTTP handling of one hub."""

    def __init__(self, token_key: bytes, publish_secret: str, keep: int = 50, idle_hours: float = 4.0):
        self.token_key, self.publish_secret = token_key, publish_secret
        self.keep, self.idle = keep, idle_hours * 3600
        self.channels: dict[str, Channel] = {}
        self.next_id = time.time_ns() // 1000  # ids keep growing across restarts (Last-Event-ID stays meaningful)

    def channel(self, name: str) -> Channel:
        found = self.channels.get(name)
        if found is None:
            found = self.channels[name] = Channel(self.keep)
        found.last_used = time.monotonic()
        return found

    def publish(self, name: str, body: bytes) -> tuple[int, int]:
        """Keep the event and write it to every subscriber at once (one encoding, no task per subscriber)."""
        chan = self.channel(name)
        self.next_id += 1
        frame = b"id: %d\ndata: %s\n\n" % (self.next_id, body.replace(b"\n", b"\ndata: "))
        chan.messages.append((self.next_id, frame))
        for writer in list(chan.subscribers):
            if writer.transport.get_write_buffer_size() > MAX_BACKLOG:
                chan.subscribers.discard(writer)
                writer.transport.abort()
                continue
            writer.write(frame)
        return len(chan.messages), len(chan.subscribers)

    def sweep(self) -> None:
        """Forget channels nobody listened to nor published on for ``idle_hours``."""
        now = time.monotonic()
        for name in [n for n, c in self.channels.items() if not c.subscribers and now - c.last_used > self.idle]:
            del self.channels[name]

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError):
            writer.close()
            return
        try:
            method, target, headers = parse_head(head)
        except ValueError:
            await self.answer(writer, 400, {"error": "malformed request"})
            return
        path, query = urlsplit(target).path, parse_qs(urlsplit(target).query)
        if (match := SUB.match(path)) and method == "GET":
            await self.subscribe(reader, writer, match.group(1), query.get("t", [""])[0], headers)
        elif match := PUB.match(path):
            await self.publisher(reader, writer, method, match.group(1), headers)
        else:
            await self.answer(writer, 404, {"error": "no such channel path"})

    async def publisher(self, reader, writer, method: str, name: str, headers: dict) -> None:
        peer = writer.get_extra_info("peername")
        loopback = bool(peer) and ipaddress.ip_address(peer[0].split("%")[0]).is_loopback
        secret = headers.get(PUBLISH_SECRET_HEADER.lower(), "")
        if not loopback or not hmac.compare_digest(secret.encode(), self.publish_secret.encode()):
            await self.answer(writer, 403, {"error": "publishing is for the application only"})
            return
        if method == "GET":
            chan = self.channels.get(name)
            counts = (len(chan.messages), len(chan.subscribers)) if chan else (0, 0)
            await self.answer(writer, 200, {"messages": counts[0], "subscribers": counts[1]})
            return
        if method != "POST":
            await self.answer(writer, 405, {"error": "GET or POST"})
            return
        length = headers.get("content-length", "")
        if not length.isdigit() or int(length) > MAX_BODY:
            await self.answer(writer, 413, {"error": f"a body of at most {MAX_BODY} bytes, with its length"})
            return
        body = await reader.readexactly(int(length))
        messages, subscribers = self.publish(name, body)
        await self.answer(writer, 201 if subscribers else 202, {"messages": messages, "subscribers": subscribers})

    async def subscribe(self, reader, writer, name: str, token: str, headers: dict) -> None:
        if not token_valid(self.token_key, name, token):
            await self.answer(writer, 403, {"error": "a valid subscription token is needed"}, cors=True)
            return
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache\r\n"
            b"Access-Control-Allow-Origin: *\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n: joined\n\n"
        )
        chan = self.channel(name)
        since = headers.get("last-event-id", "")
        for number, frame in chan.messages:
            if not since.isdigit() or number > int(since):
                writer.write(frame)
        chan.subscribers.add(writer)
        try:
            while True:  # the client sends nothing more: wait for it to go, with keep-alive comments
                try:
                    if not await asyncio.wait_for(reader.read(1024), timeout=KEEPALIVE):
                        break
                except TimeoutError:
                    writer.write(b": keep-alive\n\n")
                    await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            chan.subscribers.discard(writer)
            writer.close()

    async def answer(self, writer, status: int, payload: dict, cors: bool = False) -> None:
        body = json.dumps(payload).encode()
        extra = b"Access-Control-Allow-Origin: *\r\n" if cors else b""
        writer.write(
            b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%sConnection: close\r\n\r\n"
            % (status, REASONS[status].encode(), len(body), extra)
            + body
        )
        try:
            await writer.drain()
        except ConnectionError:
            pass
        writer.close()


def parse_head(head: bytes) -> tuple[str, str, dict]:
    """``(method, target, headers)`` of a request head; ValueError when it is not HTTP/1.x."""
    if len(head) > MAX_HEADERS:
        raise ValueError("headers too long")
    lines = head.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ")
    if not version.startswith("HTTP/1."):
        raise ValueError(version)
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return method, target, headers


async def serve(hub: Hub, host: str, port: int, ready=None) -> None:
    server = await asyncio.start_server(hub.handle, host, port, limit=MAX_HEADERS, backlog=4096)
    log.info("chat hub listening on %s:%s", host, port)
    if ready is not None:
        ready()
    async with server:
        while True:
            await asyncio.sleep(600)
            hub.sweep()


def main(argv: list[str] | None = None) -> None:
    """``python -m plugins.chat.hub -c amphi.ini``: the hub with the ini's keys and address."""
    from pyramid.paster import get_app, setup_logging

    from core.plugin_api import arm_parent_death_signal, plugin_settings
    from plugins.chat.delivery import DEFAULT_LISTEN, publish_secret, token_key

    parser = argparse.ArgumentParser(prog="amphi-chat-hub")
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("--die-with-parent", action="store_true")
    args = parser.parse_args(argv)
    if args.die_with_parent:
        arm_parent_death_signal()
    setup_logging(args.config)
    registry = get_app(args.config).registry
    chosen = plugin_settings(registry, None, "chat")
    host, _, port = (chosen["embedded_listen"] or DEFAULT_LISTEN).rpartition(":")
    hub = Hub(token_key(registry.settings), publish_secret(registry.settings), keep=chosen["hub_messages"])
    asyncio.run(serve(hub, host.strip("[]"), int(port)))


if __name__ == "__main__":
    main()

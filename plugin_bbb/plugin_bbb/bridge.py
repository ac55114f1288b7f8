"""The chat both ways while a meeting is broadcast.

**Audience → meeting.** Each message posted in the event's chat room (``event-<id>``) is told to this
plugin after its commit (the chat's ``amphi_chat_message_posted``): when a broadcast of the event is
starting or on air, it is recorded as an outgoing :class:`~plugin_bbb.broadcast_models.BbbBroadcastMessage`
("<viewer's name>: <text>", at most 500 characters, BigBlueButton's limit) and sent by a task after that
commit: ``sendChatMessage`` (BigBlueButton 3.0) under the streamer's name, or the gateway's ``POST /chat``.
A failure is logged, kept on the row, and retried twice by huey; the chat never waits for it.

**Meeting → audience.** The server's ``chat-group-message-sent`` webhook events of the meeting's public
chat are posted into the event's room as ``BBB · <name>`` (:func:`plugins.chat.api.post_as_speaker`,
escaped where shown like any message) when the owner shows the meeting's chat to the audience. No echo:
a message Amphi sent into the meeting comes back by that webhook; its text's digest matches an outgoing
row of the broadcast (within :data:`ECHO_WINDOW`) and it is not carried back, and the messages this
plugin posts into a room carry ``source="bbb"``, which it ignores when the chat tells of them.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.models import utcnow
from core.plugin_api import enqueue_after_commit, huey, worker_request
from plugin_bbb.broadcast_models import BbbBroadcast, BbbBroadcastMessage
from plugin_bbb.broadcasts import live_api, uses
from plugin_bbb.client import BbbClient, BbbError
from plugin_bbb.gateway import GatewayClient, GatewayError
from plugin_bbb.hooks import on_event
from plugin_bbb.meetings import bbb_settings

log = logging.getLogger(__name__)
SOURCE = "bbb"
PUBLIC_CHAT = "MAIN-PUBLIC-GROUP-CHAT"
#: BigBlueButton's longest chat message, and the longest viewer's name put before a text.
MAX_MESSAGE = 500
MAX_NAME = 60
#: A message of the meeting's chat matching one Amphi sent this recently is Amphi's own (an echo).
ECHO_WINDOW = timedelta(minutes=10)
#: Sends of one message (the first and huey's retries).
MAX_SENDS = 3
EVENT_ROOM = re.compile(r"^event-(\d{1,18})$")
CARRYING = ("starting", "on_air")


def normalized(text: str) -> str:
    return " ".join(html.unescape(text or "").split())


def digest(text: str) -> str:
    """What recognises a text sent into the meeting when the meeting's webhook tells of it."""
    return hashlib.sha256(normalized(text).encode("utf-8")).hexdigest()


def outgoing_text(author: str, text: str) -> str:
    """``<name>: <text>`` on one line, the name and the whole cut to BigBlueButton's limits."""
    name = " ".join((author or "").split())[:MAX_NAME] or "?"
    message = f"{name}: {' '.join((text or '').split())}"
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


def carrying(request, event_id: int) -> BbbBroadcast | None:
    """The broadcast of the request's site into event ``event_id`` that carries the chat now."""
    query = select(BbbBroadcast).where(
        BbbBroadcast.site_id == request.site.id,
        BbbBroadcast.event_id == event_id,
        BbbBroadcast.state.in_(CARRYING),
    )
    return request.dbsession.scalar(query.order_by(BbbBroadcast.id.desc()))


def add_once(request, row: BbbBroadcastMessage) -> bool:
    """Store ``row`` unless its message was carried already (False then)."""
    try:
        with request.dbsession.begin_nested():
            request.dbsession.add(row)
            request.dbsession.flush()
    except IntegrityError:
        return False
    return True


# --- audience -> meeting ------------------------------------------------------------------------------


def message_posted(request, room: str, message: dict) -> BbbBroadcastMessage | None:
    """``amphi_chat_message_posted``: record a viewer's message for the meeting and queue its sending."""
    match = EVENT_ROOM.match(room or "")
    if match is None or message.get("source") == SOURCE or not uses(request, "live"):
        return None
    broadcast = carrying(request, int(match.group(1)))
    text = outgoing_text(str(message.get("author") or ""), str(message.get("text") or ""))
    if broadcast is None or not normalized(text.partition(": ")[2]):
        return None
    row = BbbBroadcastMessage(
        broadcast_id=broadcast.id,
        direction="out",
        source_id=str(message.get("id")),
        digest=digest(text),
        text=text,
        state="pending",
    )
    if not add_once(request, row):
        return None
    enqueue_after_commit(request, send_to_meeting, row.id)
    return row


@dataclass(frozen=True)
class Outgoing:
    """What sending one message needs, as plain values (the secret and the token inside)."""

    message_id: int
    mode: str
    text: str
    meeting_id: str
    url: str
    secret: str
    algorithm: str
    gateway_url: str
    gateway_token: str
    timeout: float
    sender: str

    def send(self) -> None:
        if self.mode == "gateway":
            GatewayClient(self.gateway_url, self.gateway_token, self.timeout).send_chat(self.meeting_id, self.text)
        else:
            client = BbbClient(self.url, self.secret, self.algorithm, timeout=self.timeout)
            client.send_chat_message(self.meeting_id, self.text, user_name=self.sender)


def outgoing(message_id: int) -> Outgoing | None:
    """The message to send (None: sent already, or its broadcast or server is gone)."""
    with worker_request() as request:
        row = request.dbsession.get(BbbBroadcastMessage, message_id)
        if row is None or row.state == "sent" or row.direction != "out":
            return None
        broadcast = row.broadcast
        server = broadcast.meeting.server
        if server is None:
            row.state, row.error = "failed", "The meeting has no server."
            return None
        settings = bbb_settings(request.registry, broadcast.meeting.site)
        return Outgoing(
            message_id=row.id,
            mode=broadcast.mode,
            text=row.text,
            meeting_id=broadcast.meeting.meeting_id,
            url=server.url,
            secret=server.secret,
            algorithm=server.checksum_algorithm,
            gateway_url=server.gateway_url,
            gateway_token=server.gateway_token,
            timeout=float(settings["timeout_seconds"]),
            sender=settings["streamer_name"],
        )


def note(message_id: int, error: str = "") -> None:
    """Write how the sending went: sent, or one more failed attempt (``failed`` once they are spent)."""
    with worker_request() as request:
        row = request.dbsession.get(BbbBroadcastMessage, message_id)
        if row is None:
            return
        row.attempts += 1
        if error:
            row.error = error[:1000]
            row.state = "failed" if row.attempts >= MAX_SENDS else "pending"
        else:
            row.state, row.error = "sent", ""


@huey.task(retries=MAX_SENDS - 1, retry_delay=5)
def send_to_meeting(message_id: int) -> None:
    """Send one viewer's message into the meeting's public chat (a failure is logged, noted and retried)."""
    message = outgoing(message_id)
    if message is None:
        return
    try:
        message.send()
    except (BbbError, GatewayError) as exc:
        words = str(exc).replace(message.secret, "…").replace(message.gateway_token or "\0", "…")
        log.warning("bbb: the audience's message %s did not reach the meeting: %s", message_id, words)
        note(message_id, words or type(exc).__name__)
        raise
    note(message_id)


# --- meeting -> audience ------------------------------------------------------------------------------


def is_echo(request, broadcast: BbbBroadcast, text: str) -> bool:
    """The text is one Amphi sent into the meeting lately (marked, so that a second one is not)."""
    query = select(BbbBroadcastMessage).where(
        BbbBroadcastMessage.broadcast_id == broadcast.id,
        BbbBroadcastMessage.direction == "out",
        BbbBroadcastMessage.echoed.is_(False),
        BbbBroadcastMessage.digest == digest(text),
        BbbBroadcastMessage.created_at >= utcnow() - ECHO_WINDOW,
    )
    sent = request.dbsession.scalar(query.order_by(BbbBroadcastMessage.id))
    if sent is None:
        return False
    sent.echoed = True
    return True


def carry_in(request, broadcast: BbbBroadcast, name: str, text: str, source_id: str) -> str:
    """One message of the meeting's public chat for the broadcast's audience: ``posted``, ``echo``,
    ``hidden`` (the owner does not show the chat), ``duplicate`` or ``skipped`` (the room is closed)."""
    if is_echo(request, broadcast, text):
        add_once(
            request, BbbBroadcastMessage(broadcast_id=broadcast.id, direction="in", source_id=source_id, state="echo")
        )
        return "echo"
    if not broadcast.show_meeting_chat or not uses(request, "chat"):
        return "hidden"
    row = BbbBroadcastMessage(broadcast_id=broadcast.id, direction="in", source_id=source_id, state="posted")
    if not add_once(request, row):
        return "duplicate"
    from plugins.chat import api as chat_api

    room = live_api().room_of(broadcast.event_id)
    speaker = f"BBB · {' '.join(name.split())[:80] or '?'}"
    if chat_api.post_as_speaker(request, room, speaker, text, source=SOURCE) is None:
        row.state = "skipped"
    return row.state


@on_event("chat-group-message-sent")
def meeting_chat(request, server, meeting, event) -> None:
    """A message in the meeting's chat: for the audience of its broadcast, if any (see the module)."""
    if meeting is None or not uses(request, "live"):
        return
    attributes = event.get("attributes") or {}
    if str(attributes.get("chat-id") or PUBLIC_CHAT) != PUBLIC_CHAT:
        return
    chat = attributes.get("chat-message") or {}
    sender = chat.get("sender") or {}
    text = html.unescape(str(chat.get("message") or ""))
    name = str(sender.get("name") or "")
    if not normalized(text):
        return
    source_id = str(chat.get("id") or "")[:100] or digest(f"{sender.get('time')}|{name}|{text}")
    query = select(BbbBroadcast).where(BbbBroadcast.meeting_id == meeting.id, BbbBroadcast.state.in_(CARRYING))
    for broadcast in list(request.dbsession.scalars(query)):
        carry_in(request, broadcast, name, text, source_id)

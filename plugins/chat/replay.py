"""A live event's chat beside its replay: each message at its time in the video."""

from __future__ import annotations

from datetime import UTC, datetime

from markupsafe import Markup
from pyramid.renderers import render
from sqlalchemy import or_, select

from core.plugin_api import clock
from plugins.chat.models import ChatHiddenUser, ChatMessage, ChatReplay
from plugins.chat.rooms import room_row
from plugins.chat.text import render_text


def as_datetime(value) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        return as_datetime(datetime.fromisoformat(value))
    return None


def attach(request, event: dict, video_id: int) -> None:
    """Remember that ``video_id`` replays ``event``'s room, from the moment the broadcast started."""
    room = room_row(request, event["room"])
    started = as_datetime(event.get("started_at"))
    if started is None:  # no start known: the first message is the video's beginning
        first = request.dbsession.scalar(
            select(ChatMessage.created_at).where(ChatMessage.room_id == room.id).order_by(ChatMessage.id)
        )
        started = first or room.created_at
    replay = request.dbsession.get(ChatReplay, video_id)
    if replay is None:
        request.dbsession.add(
            ChatReplay(video_id=video_id, site_id=request.site.id, room_id=room.id, started_at=started)
        )
    else:
        replay.room_id, replay.started_at = room.id, started
    request.dbsession.flush()


def replay_messages(request, replay: ChatReplay, duration: float | None) -> list[dict]:
    hidden = select(ChatHiddenUser.user_id).where(ChatHiddenUser.room_id == replay.room_id)
    query = (
        select(ChatMessage)
        .where(
            ChatMessage.room_id == replay.room_id,
            ChatMessage.deleted_at.is_(None),
            or_(ChatMessage.author_id.is_(None), ChatMessage.author_id.not_in(hidden)),
        )
        .order_by(ChatMessage.id)
    )
    items = []
    for message in request.dbsession.scalars(query):
        offset = max(0.0, (message.created_at - replay.started_at).total_seconds())
        if duration:
            offset = min(offset, duration)
        items.append(
            {
                "offset": offset,
                "clock": clock(offset),
                "author": message.author_name,
                "html": render_text(message.text),
            }
        )
    return items


def replay_panel(request, video) -> Markup | None:
    replay = request.dbsession.get(ChatReplay, video.id)
    if replay is None or replay.site_id != request.site.id:
        return None
    items = replay_messages(request, replay, video.duration)
    return Markup(render("plugins.chat:templates/chat/replay.html", {"video": video, "items": items}, request=request))

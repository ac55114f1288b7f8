"""Rooms: which room a key names, who may do what in it (``amphi_chat_room_access``), and its row."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from core.models import Video
from core.plugin_api import video_permits
from plugins.chat.models import ChatRoom

ROOM_KEY = re.compile(r"^[a-z]{1,16}-[0-9]{1,18}$")


@dataclass(frozen=True)
class Access:
    """What the visitor may do in a room: the hosting plugin's answer, narrowed by the room's settings."""

    room: str
    read: bool
    write: bool
    moderate: bool
    title: str
    url: str
    open: bool
    questions: bool
    slow_seconds: int = 0
    anonymous_read: bool = True

    def as_json(self) -> dict:
        return {
            "room": self.room,
            "read": self.read,
            "write": self.write,
            "moderate": self.moderate,
            "title": self.title,
            "url": self.url,
            "open": self.open,
            "questions": self.questions,
            "slow_seconds": self.slow_seconds,
            "anonymous_read": self.anonymous_read,
        }


def valid_key(room: str) -> bool:
    return bool(ROOM_KEY.match(room or ""))


def find_room(request, room: str) -> ChatRoom | None:
    """The room's row on the request's site (rooms of other sites are never seen)."""
    return request.dbsession.scalar(select(ChatRoom).where(ChatRoom.site_id == request.site.id, ChatRoom.room == room))


def room_row(request, room: str) -> ChatRoom:
    """The room's row, made on first use (a room starts open, not slowed, readable by anonymous viewers)."""
    row = find_room(request, room)
    if row is None:
        row = ChatRoom(
            site_id=request.site.id, room=room, enabled=False, open=True, slow_seconds=0, anonymous_read=True
        )
        request.dbsession.add(row)
        request.dbsession.flush()
    return row


def room_access(request, room: str) -> Access | None:
    """What the request may do in ``room``, or None when no plugin hosts it on this site (a 404).

    The host's answer is narrowed by the room's settings: a closed room takes no message, a room
    for signed-in readers shows nothing to anonymous visitors, and nobody but a moderator writes
    where the host says the chat is closed.
    """
    if not valid_key(room):
        return None
    cache = request.environ.setdefault("chat.access", {})
    if room not in cache:
        cache[room] = _compute(request, room)
    return cache[room]


def forget_access(request) -> None:
    request.environ.pop("chat.access", None)


def _compute(request, room: str) -> Access | None:
    answer = request.hooks.amphi_chat_room_access(request=request, room=room)
    if not answer:
        return None
    row = find_room(request, room)
    is_open = bool(answer.get("open", True)) and (row is None or row.open)
    anonymous_read = row is None or row.anonymous_read
    moderate = bool(answer.get("moderate")) and request.user is not None
    read = bool(answer.get("read")) and (request.user is not None or anonymous_read or moderate)
    write = bool(answer.get("write")) and read and request.user is not None and (is_open or moderate)
    return Access(
        room=room,
        read=read or moderate,
        write=write,
        moderate=moderate,
        title=str(answer.get("title", "")),
        url=str(answer.get("url", "")),
        open=is_open,
        questions=bool(answer.get("questions", True)),
        slow_seconds=row.slow_seconds if row is not None else 0,
        anonymous_read=anonymous_read,
    )


# --- a chat beside a video (the rooms ``video-<id>``, answered by this plugin) ---------------


def video_of(request, room: str) -> Video | None:
    if not room.startswith("video-"):
        return None
    video = request.dbsession.get(Video, int(room.removeprefix("video-")))
    return video if video is not None and video.site_id == request.site.id else None


def video_chat_enabled(request, video: Video) -> bool:
    row = find_room(request, f"video-{video.id}")
    return row is not None and row.enabled


def video_room_access(request, room: str) -> dict | None:
    """Anyone who may watch reads, signed-in viewers write, the video's owners moderate; only once the
    owners turned the chat on (they see it, to turn it on, before)."""
    video = video_of(request, room)
    if video is None:
        return None
    moderate = request.user is not None and video_permits(request, video, "edit")
    if not (video_chat_enabled(request, video) or moderate):
        return None
    read = video_permits(request, video, "view")
    return {
        "read": read,
        "write": read and request.user is not None,
        "moderate": moderate,
        "title": video.title,
        "url": request.route_url("video", video_id=video.id),
        "open": True,
        "questions": True,
    }

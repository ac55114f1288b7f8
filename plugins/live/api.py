"""What other plugins may use of live events: their only public module.

A plugin that broadcasts into live events (the BigBlueButton plugin streams a meeting) either requires
this plugin (``AMPHI_REQUIRES = ("live",)``) or checks that the request's site enabled it
(``request.site.has_plugin("live")``) before calling anything here, and is listed in the
``ignore_imports`` of import-linter's ``plugins-independent`` contract. It works with event ids and
:class:`EventSummary` values, never with this plugin's rows.

The RTMP address and stream key of :func:`publish_target` are for the server side only (a worker that
publishes): never put them in a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from core.models import ACCESS_LEVELS, User, utcnow
from plugins.live import keys, replay
from plugins.live.callbacks import after_commit, locked_event, stop_packaging
from plugins.live.events import NAME, current_state, get_event, in_window, live_settings
from plugins.live.forms import MAX_LENGTH
from plugins.live.models import LiveEvent

__all__ = [
    "ACCESS_LEVELS",
    "MAX_LENGTH",
    "NAME",
    "EventSummary",
    "PublishTarget",
    "broadcast_events",
    "create_event",
    "end_event",
    "event_summary",
    "owned_events",
    "owns_event",
    "publish_target",
    "room_of",
]

#: The states in which an event is over: nothing is published into it any more.
OVER = ("ended", "replay_ready", "no_stream")


@dataclass(frozen=True)
class EventSummary:
    """An event as other plugins see it.

    ``state`` is the state shown (``scheduled``, ``waiting``, ``on_air``, ``ended``, ``replay_ready`` or
    ``no_stream``); ``closed`` says its owners ended it (a stream that comes back is refused); ``url``
    is its page.
    """

    id: int
    title: str
    state: str
    closed: bool
    starts_at: datetime
    ends_at: datetime
    url: str
    room: str

    @property
    def on_air(self) -> bool:
        return self.state == "on_air"

    @property
    def over(self) -> bool:
        """Nothing will be published into it any more (ended by its owners, or its slot passed)."""
        return self.closed or self.state in ("replay_ready", "no_stream")


@dataclass(frozen=True)
class PublishTarget:
    """Where a server-side publisher sends an event's main stream: ``url`` is ``base`` + ``/`` + ``key``."""

    base: str
    key: str

    @property
    def url(self) -> str:
        return f"{self.base.rstrip('/')}/{self.key}"


def room_of(event_id: int) -> str:
    """The chat room of an event (``event-<id>``)."""
    return f"event-{int(event_id)}"


def summary(request, event: LiveEvent, now: datetime | None = None) -> EventSummary:
    return EventSummary(
        id=event.id,
        title=event.title,
        state=current_state(request.registry, event, now),
        closed=event.closed,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        url=request.route_url("live.event", event_id=event.id),
        room=room_of(event.id),
    )


def event_summary(request, event_id: int) -> EventSummary | None:
    """The event of the request's site with this id (None: no such event here)."""
    event = get_event(request, event_id)
    return summary(request, event) if event is not None else None


def owns_event(request, user: User | None, event_id: int) -> bool:
    """Whether ``user`` owns the event (or is an admin of its site)."""
    event = get_event(request, event_id)
    if event is None or user is None or user.site_id != event.site_id:
        return False
    return user.is_admin or event.is_owned_by(user)


def owned_events(request, user: User, limit: int = 50) -> list[EventSummary]:
    """The events of the request's site that ``user`` owns and that are not over, soonest first."""
    now = utcnow()
    query = (
        select(LiveEvent)
        .where(
            LiveEvent.site_id == request.site.id,
            LiveEvent.ends_at > now,
            LiveEvent.owners.any(User.id == user.id),
        )
        .order_by(LiveEvent.starts_at, LiveEvent.id)
        .limit(limit)
    )
    events = [summary(request, e, now) for e in request.dbsession.scalars(query)]
    return [e for e in events if not e.closed and e.state not in OVER]


def broadcast_events(request, user: User) -> list[EventSummary]:
    """The events ``user`` owns into which a broadcast may start now: their publishing window is open
    and nothing is on air, latest start first."""
    now = utcnow()
    query = (
        select(LiveEvent)
        .where(
            LiveEvent.site_id == request.site.id,
            LiveEvent.state == "scheduled",
            LiveEvent.ends_at > now,
            LiveEvent.owners.any(User.id == user.id),
        )
        .order_by(LiveEvent.starts_at.desc())
        .limit(50)
    )
    events = request.dbsession.scalars(query)
    return [summary(request, e, now) for e in events if in_window(request.registry, e, now)]


def create_event(
    request,
    owners: list[User],
    title: str,
    description: str = "",
    *,
    ends_at: datetime,
    starts_at: datetime | None = None,
    access: str = "signed-in",
) -> EventSummary:
    """A new event of the request's site, starting now (or at ``starts_at``), owned by ``owners``.

    ``access`` is one of :data:`ACCESS_LEVELS` (``groups`` and ``password`` need settings only the event's
    form gives: its owners set them there). The event lasts at most :data:`MAX_LENGTH`.
    """
    if access not in ACCESS_LEVELS:
        raise ValueError(f"access must be one of {ACCESS_LEVELS}")
    starts_at = starts_at or utcnow()
    ends_at = min(max(ends_at, starts_at + timedelta(minutes=1)), starts_at + MAX_LENGTH)
    event = LiveEvent(
        site_id=request.site.id,
        title=(title or "").strip()[:250] or "Live",
        description=(description or "")[:20000],
        starts_at=starts_at,
        ends_at=ends_at,
        access=access,
        dvr=True,
        chat_anonymous_read=True,
    )
    event.owners = list(owners)
    request.dbsession.add(event)
    request.dbsession.flush()
    return summary(request, event)


def publish_target(request, event_id: int) -> PublishTarget | None:
    """The RTMP address (``amphi.live.ingest_url``) and the current key of the event's main stream.

    For the server side only: whoever has them may publish into the event.
    """
    event = get_event(request, event_id)
    if event is None:
        return None
    base = live_settings(request.registry, request.site)["ingest_url"]
    return PublishTarget(base, keys.stream_key(request.registry.settings, event))


def end_event(request, event_id: int) -> EventSummary | None:
    """End the event's broadcast for good, as its owners' **End the broadcast** does.

    An event on air is ended (its packager stopped after the commit, its replay follows the usual
    path); an event already ended is closed, so that a stream coming back is refused; an event that
    never went on air is left as it is (its slot passes without a stream). The event's row is locked
    until the commit.
    """
    found = get_event(request, event_id)
    event = locked_event(request, found.id) if found is not None else None
    if event is None:
        return None
    if event.state == "on_air":
        event.state, event.ended_at, event.closed = "ended", utcnow(), True
        for audio in event.audios:
            audio.publishing = False
        after_commit(request, stop_packaging, request.registry, event.id)
        replay.check_soon(request, event)
    elif event.state == "ended":
        event.closed = True
    return summary(request, event)

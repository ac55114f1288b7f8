"""Events: who may see one, its state as the clock and the streams make it, weekly series, listings.

Stored states are written by the callbacks (``on_air``, ``ended``), the replay (``replay_ready``) and the
minute sweep (``no_stream``); ``waiting`` is read from the clock (the start window is open and no stream
has come), so a page never writes on a GET.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from core.models import Group, User, utcnow
from core.plugin_api import _, plugin_settings, user_group_names
from plugins.live.models import LiveEvent, LiveSeries

NAME = "live"
#: At most this many weeks in one series (a year and then some): a typo in the end date makes no thousand rows.
MAX_OCCURRENCES = 60
UNLOCKED = "live.unlocked"  # the session's "<event id>:<fingerprint of its password hash>"

STATE_LABELS = {
    "scheduled": _("Scheduled"),
    "waiting": _("Starting soon"),
    "on_air": _("On air"),
    "ended": _("Ended"),
    "replay_ready": _("Replay available"),
    "no_stream": _("No stream came"),
}


def live_settings(registry, site) -> dict:
    """The plugin's effective settings on ``site``."""
    return plugin_settings(registry, site, NAME)


def window_opens(registry, event: LiveEvent) -> datetime:
    """When a publish starts being admitted: ``publish_early_minutes`` before the start."""
    return event.starts_at - timedelta(minutes=live_settings(registry, event.site)["publish_early_minutes"])


def current_state(registry, event: LiveEvent, now: datetime | None = None) -> str:
    """The state shown: the stored one, with ``waiting`` and ``no_stream`` read from the clock."""
    now = now or utcnow()
    if event.state != "scheduled":
        return event.state
    if now >= event.ends_at:
        return "no_stream"
    return "waiting" if now >= window_opens(registry, event) else "scheduled"


def in_window(registry, event: LiveEvent, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return window_opens(registry, event) <= now < event.ends_at


# --- access ---------------------------------------------------------------


def _fingerprint(event: LiveEvent) -> str:
    # Bound to the password hash: a new password locks every session again.
    return f"{event.id}:{hashlib.sha256(event.password_hash.encode()).hexdigest()[:16]}"


def unlock(request, event: LiveEvent) -> None:
    marks = [m for m in request.session.get(UNLOCKED, []) if not m.startswith(f"{event.id}:")]
    request.session[UNLOCKED] = marks[-49:] + [_fingerprint(event)]


def event_permits(request, event: LiveEvent, permission: str) -> bool:
    """The rule of a video (``core_video_rule``), for an event: ``view`` or ``edit``.

    Site admins and owners may do anything; anyone else only views, as the access level allows.
    Another site's event is nobody's here.
    """
    user = request.user
    if event.site_id != request.site.id:
        return False
    if user is not None and user.site_id != request.site.id:
        user = None
    if user is not None and (user.is_admin or event.is_owned_by(user)):
        return True
    if permission != "view":
        return False
    return {
        "public": lambda: True,
        "signed-in": lambda: user is not None,
        "groups": lambda: bool({g.name for g in event.allowed_groups} & user_group_names(request, user)),
        "password": lambda: _fingerprint(event) in request.session.get(UNLOCKED, []),
    }.get(event.access, lambda: False)()


def locked_by_password(request, event: LiveEvent) -> bool:
    return event.access == "password" and not event_permits(request, event, "view")


def get_event(request, event_id) -> LiveEvent | None:
    """The event of the request's site with this id (None: no such event here)."""
    try:
        number = int(event_id)
    except (TypeError, ValueError):
        return None
    event = request.dbsession.get(LiveEvent, number)
    return event if event is not None and event.site_id == request.site.id else None


# --- series ---------------------------------------------------------------


def weekly_starts(first: datetime, until: date, zone: str) -> list[datetime]:
    """The starts of a weekly series: ``first`` and the same time of day in ``zone`` each week up to ``until``
    (included), in UTC: a lecture at 08:15 stays at 08:15 when the clocks change in October or March."""
    local = wall_clock(first, zone)
    starts = []
    while (local + timedelta(weeks=len(starts))).date() <= until:
        starts.append(same_local_time(local + timedelta(weeks=len(starts)), zone))
        if len(starts) > MAX_OCCURRENCES:
            raise ValueError("too many occurrences (the form checks the end date first)")
    return starts


def wall_clock(moment: datetime, zone: str) -> datetime:
    """What the clocks of ``zone`` show at ``moment`` (naive)."""
    return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def same_local_time(local: datetime, zone: str) -> datetime:
    """The UTC moment of a wall-clock time (naive) in ``zone``."""
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def create_events(
    request, fields: dict, owners: list[User], groups: list[Group], until: date | None, zone: str
) -> list[LiveEvent]:
    """Create the event, or one per week until ``until``: same title, time of day, owners and access."""
    starts = weekly_starts(fields["starts_at"], until, zone) if until else [fields["starts_at"]]
    length = fields["ends_at"] - fields["starts_at"]
    series = None
    if until:
        series = LiveSeries(site_id=request.site.id, until=until)
        request.dbsession.add(series)
    created = []
    for start in starts:
        event = LiveEvent(
            site_id=request.site.id, series=series, **{**fields, "starts_at": start, "ends_at": start + length}
        )
        event.owners = list(owners)
        event.allowed_groups = list(groups)
        request.dbsession.add(event)
        created.append(event)
    request.dbsession.flush()
    return created


def following_weeks(request, event: LiveEvent, after: datetime | None = None) -> list[LiveEvent]:
    """The events of ``event``'s series after it (after ``after``, its start before an edit) that have not
    started: what "apply to the following weeks" changes."""
    if event.series_id is None:
        return []
    rows = request.dbsession.scalars(
        site_events(request)
        .where(
            LiveEvent.series_id == event.series_id,
            LiveEvent.id != event.id,
            LiveEvent.starts_at > (after or event.starts_at),
        )
        .order_by(LiveEvent.starts_at)
    )
    return [e for e in rows if current_state(request.registry, e) == "scheduled"]


def apply_to_following(request, event: LiveEvent, before: datetime, fields: dict, zone: str) -> int:
    """Give the following weeks of the series what was just saved on ``event`` (its start was ``before``):
    the same fields, owners and groups, and the same move of time of day and length, each week on its own
    date (in ``zone``). Returns how many changed."""
    moved = wall_clock(event.starts_at, zone) - wall_clock(before, zone)
    length = event.ends_at - event.starts_at
    following = following_weeks(request, event, after=before)
    for later in following:
        for name, value in fields.items():
            if name not in ("starts_at", "ends_at"):
                setattr(later, name, value)
        later.owners, later.allowed_groups = list(event.owners), list(event.allowed_groups)
        later.starts_at = same_local_time(wall_clock(later.starts_at, zone) + moved, zone)
        later.ends_at = later.starts_at + length
    return len(following)


# --- listings -------------------------------------------------------------


def site_events(request):
    return select(LiveEvent).where(LiveEvent.site_id == request.site.id)


def listing(request, now: datetime | None = None) -> dict[str, list[LiveEvent]]:
    """The events the request may see: on air now, upcoming (soonest first), past (latest first)."""
    now = now or utcnow()
    rows = request.dbsession.scalars(
        site_events(request)
        .where(or_(LiveEvent.ends_at > now - timedelta(days=365), LiveEvent.state == "on_air"))
        .order_by(LiveEvent.starts_at)
        .limit(500)
    )
    groups: dict[str, list[LiveEvent]] = {"on_air": [], "upcoming": [], "past": []}
    for event in rows:
        if not event_permits(request, event, "view") and event.access != "password":
            continue
        state = current_state(request.registry, event, now)
        kind = "on_air" if state == "on_air" else "upcoming" if state in ("scheduled", "waiting") else "past"
        groups[kind].append(event)
    groups["past"].reverse()
    groups["past"] = groups["past"][:50]
    return groups


def on_air(request, limit: int) -> list[LiveEvent]:
    """Up to ``limit`` events of the site on air now that the request may see (password ones listed too:
    their page asks), earliest start first."""
    rows = request.dbsession.scalars(
        site_events(request).where(LiveEvent.state == "on_air").order_by(LiveEvent.starts_at).limit(limit * 4)
    )
    return [e for e in rows if event_permits(request, e, "view") or e.access == "password"][:limit]


def own_events(request) -> list[LiveEvent]:
    """The events the signed-in user owns on this site, latest start first."""
    if request.user is None:
        return []
    query = site_events(request).where(LiveEvent.owners.any(User.id == request.user.id))
    return list(request.dbsession.scalars(query.order_by(LiveEvent.starts_at.desc()).limit(200)))


def on_air_count(request) -> int:
    return len(
        [
            e
            for e in request.dbsession.scalars(site_events(request).where(LiveEvent.state == "on_air"))
            if event_permits(request, e, "view")
        ]
    )


# --- chat ---------------------------------------------------------------------


def chat_access(request, room: str) -> dict | None:
    """``amphi_chat_room_access``'s answer for ``event-<id>`` rooms of the request's site (else None)."""
    if not room.startswith("event-"):
        return None
    event = get_event(request, room[len("event-") :])
    if event is None:
        return None
    moderate = event_permits(request, event, "edit")
    viewer = event_permits(request, event, "view")
    signed_in = request.user is not None and request.user.site_id == request.site.id
    is_open = current_state(request.registry, event) in ("waiting", "on_air")
    return {
        "read": moderate or (viewer and (signed_in or event.chat_anonymous_read)),
        "write": moderate or (viewer and signed_in and is_open),
        "moderate": moderate,
        "title": event.title,
        "url": request.route_url("live.event", event_id=event.id),
        "open": is_open,
        "questions": True,
    }

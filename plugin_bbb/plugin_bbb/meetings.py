"""Meetings: who is what in one (owner, moderator, attendee, guest), when it opens, and what Amphi sends
the server to create it and to let a person in.

A person's place comes from the meeting's rows, never from a link: the invitation link only lets the
people the meeting admits "with the link" in as attendees (or as guests when they are not signed in).
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.plugin_api import plugin_settings, user_group_names
from plugin_bbb.models import BbbMeeting

NAME = "bbb"
#: Places, strongest first. Owners and moderators join as BBB moderators, the others as viewers.
PLACES = ("owner", "moderator", "attendee", "guest")
INVITED = "bbb.invited"  # the session's list of meeting ids whose invitation link was followed
#: At most this many weeks in one series (as live events).
MAX_WEEKS = 60


def bbb_settings(registry, site) -> dict:
    return plugin_settings(registry, site, NAME)


def get_meeting(request, meeting_id) -> BbbMeeting | None:
    """The meeting of the request's site with this id (None: no such meeting here)."""
    try:
        number = int(meeting_id)
    except (TypeError, ValueError):
        return None
    meeting = request.dbsession.get(BbbMeeting, number)
    return meeting if meeting is not None and meeting.site_id == request.site.id else None


def site_user(request):
    user = request.user
    return user if user is not None and user.site_id == request.site.id else None


def invited(request, meeting: BbbMeeting) -> bool:
    """The visitor followed this meeting's current invitation link in this session."""
    return f"{meeting.id}:{meeting.link_token}" in request.session.get(INVITED, [])


def remember_invitation(request, meeting: BbbMeeting) -> None:
    marks = [m for m in request.session.get(INVITED, []) if not m.startswith(f"{meeting.id}:")]
    request.session[INVITED] = marks[-49:] + [f"{meeting.id}:{meeting.link_token}"]


def place_of(request, meeting: BbbMeeting) -> str | None:
    """The visitor's place in the meeting: ``owner``, ``moderator``, ``attendee``, ``guest`` or None.

    Site admins count as owners. ``guest`` is someone not signed in who followed the invitation link of
    a meeting open to anyone with the link.
    """
    if meeting.site_id != request.site.id:
        return None
    user = site_user(request)
    if user is not None and (user.is_admin or meeting.is_owned_by(user)):
        return "owner"
    groups = user_group_names(request, user) if user is not None else set()
    if user is not None and (
        any(m.id == user.id for m in meeting.moderators) or groups & {g.name for g in meeting.moderator_groups}
    ):
        return "moderator"
    if user is not None and (
        any(a.id == user.id for a in meeting.attendees)
        or groups & {g.name for g in meeting.attendee_groups}
        or meeting.attendees_mode == "signed-in"
        or (meeting.attendees_mode == "link" and invited(request, meeting))
    ):
        return "attendee"
    if user is None and meeting.attendees_mode == "link" and invited(request, meeting):
        return "guest"
    return None


def bbb_role(place: str) -> str:
    return "MODERATOR" if place in ("owner", "moderator") else "VIEWER"


# --- when a meeting is open -----------------------------------------------------------------------


def occurrences(meeting: BbbMeeting, zone: str) -> list[tuple[datetime, datetime]]:
    """The meeting's slots: one, or the same time of day in ``zone`` each week until ``repeat_until`` (none if
    always open): a Monday 08:15 meeting stays at 08:15 when the clocks change."""
    if meeting.always_open or meeting.starts_at is None or meeting.ends_at is None:
        return []
    length = meeting.ends_at - meeting.starts_at
    first = meeting.starts_at.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    last = meeting.repeat_until if meeting.repeat == "weekly" and meeting.repeat_until else first.date()
    slots: list[tuple[datetime, datetime]] = []
    while (local := first + timedelta(weeks=len(slots))).date() <= last and len(slots) <= MAX_WEEKS:
        start = local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
        slots.append((start, start + length))
    return slots


def current_slot(meeting: BbbMeeting, now: datetime, early: timedelta, zone: str) -> tuple[datetime, datetime] | None:
    """The slot whose joining window (``early`` before its start until its end) holds ``now``."""
    return next(((s, e) for s, e in occurrences(meeting, zone) if s - early <= now < e), None)


def next_slot(meeting: BbbMeeting, now: datetime, zone: str) -> tuple[datetime, datetime] | None:
    return next(((s, e) for s, e in occurrences(meeting, zone) if e > now), None)


def is_open(registry, meeting: BbbMeeting, now: datetime | None = None) -> bool:
    """Attendees and guests may join now: always open, or within a slot's joining window."""
    if meeting.always_open:
        return True
    settings = bbb_settings(registry, meeting.site)
    early = timedelta(minutes=settings["join_early_minutes"])
    return current_slot(meeting, now or datetime.now(UTC), early, settings["timezone"]) is not None


def may_join_now(registry, meeting: BbbMeeting, place: str, now: datetime | None = None) -> bool:
    """Owners and moderators may open the room any time; the others while it is open."""
    return place in ("owner", "moderator") or is_open(registry, meeting, now)


def is_over(meeting: BbbMeeting, now: datetime, zone: str) -> bool:
    slots = occurrences(meeting, zone)
    return bool(slots) and slots[-1][1] <= now


# --- what the server is sent ----------------------------------------------------------------------


def site_base_url(request, from_request: bool = True) -> str:
    """The site's address for the servers' callbacks: the ``site_url`` setting, else the address the
    request came to (``from_request=False``, for work outside HTTP: https:// and the site's first domain)."""
    configured = bbb_settings(request.registry, request.site)["site_url"].strip()
    if configured:
        return configured.rstrip("/")
    domains = request.site.domains
    if from_request or not domains:
        return request.application_url.rstrip("/")
    return f"https://{domains[0].domain}"


def recording_ready_url(request, meeting: BbbMeeting) -> str:
    return site_base_url(request) + request.route_path("bbb.recording_ready", server_id=meeting.server_id)


def create_options(request, meeting: BbbMeeting) -> dict:
    """The ``create`` parameters of ``meeting`` (BBB's names)."""
    options = {
        "welcome": meeting.welcome or None,
        "record": meeting.record,
        "maxParticipants": meeting.max_participants or None,
        "guestPolicy": meeting.guest_policy,
        "moderatorPW": meeting.moderator_password,
        "attendeePW": meeting.attendee_password,
        "logoutURL": site_base_url(request) + request.route_path("bbb.meeting", meeting_id=meeting.id),
        "meta_bbb-origin": "Amphi",
        "meta_bbb-origin-server-name": request.site.domains[0].domain if request.site.domains else "",
        "meta_amphi-meeting": str(meeting.id),
    }
    if meeting.record:
        options["meta_bbb-recording-ready-url"] = recording_ready_url(request, meeting)
    return options


def join_options(meeting: BbbMeeting, place: str, full_name: str, user_id: str) -> dict:
    """``BbbClient.join_url``'s arguments for a person of ``place``: role and the matching password
    (older servers read only the password), and ``guest`` for the people subject to the waiting room."""
    role = bbb_role(place)
    return {
        "meeting_id": meeting.meeting_id,
        "full_name": full_name,
        "role": role,
        "user_id": user_id,
        "password": meeting.moderator_password if role == "MODERATOR" else meeting.attendee_password,
        "guest": place == "guest" or (role == "VIEWER" and meeting.guest_policy == "ASK_MODERATOR"),
    }


def guest_name(text: str) -> str:
    """A guest's display name as typed: spaces folded, at most 100 characters (empty: none given)."""
    return " ".join((text or "").split())[:100]


def guest_user_id() -> str:
    return "guest-" + secrets.token_hex(6)


def local(moment: datetime | None, zone: str) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M") if moment else ""


def weeks_between(first: date, last: date) -> int:
    return (last - first).days // 7

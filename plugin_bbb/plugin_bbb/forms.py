"""The forms: a server (site administration) and a meeting (its owners), read and checked."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.plugin_api import _, addable_channels, groups_named, users_named
from plugin_bbb.client import ALGORITHMS
from plugin_bbb.meetings import MAX_WEEKS, weeks_between
from plugin_bbb.models import ATTENDEE_MODES, GUEST_POLICIES, SERVER_KINDS, STREAMING_MODES, BbbMeeting, BbbServer

MAX_LENGTH = timedelta(hours=24)
SERVER_FIELDS = (
    "name",
    "url",
    "secret",
    "checksum_algorithm",
    "kind",
    "streaming_mode",
    "gateway_url",
    "gateway_token",
)


def _http_url(text: str) -> bool:
    return bool(re.match(r"^https?://[^\s/?#]+[^\s]*$", text or ""))


# --- servers -------------------------------------------------------------------------------------


def server_form(server: BbbServer | None) -> dict:
    """The form's values for a server (never its secret nor the gateway's token)."""
    if server is None:
        return {"checksum_algorithm": "sha256", "kind": "bbb", "streaming_mode": "capture", "enabled": True}
    return {
        "name": server.name,
        "url": server.url,
        "checksum_algorithm": server.checksum_algorithm,
        "kind": server.kind,
        "streaming_mode": server.streaming_mode,
        "gateway_url": server.gateway_url,
        "enabled": server.enabled,
    }


def read_server_form(request, post, server: BbbServer | None) -> tuple[dict, dict]:
    """``(fields, errors)``; an empty secret or gateway token keeps the stored one."""
    form = {key: (post.get(key) or "").strip() for key in SERVER_FIELDS}
    errors: dict = {}
    if not form["name"]:
        errors["name"] = _("Give the server a name.")
    elif _name_taken(request, form["name"], server):
        errors["name"] = _("Another server of this site has this name.")
    if not _http_url(form["url"]):
        errors["url"] = _("An address such as https://bbb.example.edu/bigbluebutton/ is expected.")
    if not form["secret"] and server is None:
        errors["secret"] = _("Give the shared secret (bbb-conf --secret shows it).")
    if form["checksum_algorithm"] not in ALGORITHMS:
        errors["checksum_algorithm"] = _("Choose a checksum algorithm.")
    if form["kind"] not in SERVER_KINDS:
        errors["kind"] = _("Choose the kind of server.")
    if form["streaming_mode"] not in STREAMING_MODES:
        errors["streaming_mode"] = _("Choose how meetings are streamed.")
    if form["streaming_mode"] == "gateway" and not _http_url(form["gateway_url"]):
        errors["gateway_url"] = _("Give the gateway's address (https://...).")
    fields = {**form, "name": form["name"][:100], "url": form["url"][:500], "enabled": post.get("enabled") == "on"}
    for secret in ("secret", "gateway_token"):
        if not fields[secret]:
            fields.pop(secret)
    return fields, errors


def _name_taken(request, name: str, server: BbbServer | None) -> bool:
    query = select(BbbServer.id).where(BbbServer.site_id == request.site.id, BbbServer.name == name)
    if server is not None:
        query = query.where(BbbServer.id != server.id)
    return request.dbsession.scalar(query) is not None


# --- meetings ------------------------------------------------------------------------------------


def parse_moment(text: str, zone: str) -> datetime | None:
    """A ``datetime-local`` value in the site's time zone, as UTC (None: not one)."""
    try:
        moment = datetime.strptime((text or "").strip()[:16], "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    return moment.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC) if moment.year >= 1900 else None


def local_input(moment: datetime | None, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M") if moment else ""


def meeting_form(meeting: BbbMeeting, zone: str) -> dict:
    return {
        "name": meeting.name,
        "description": meeting.description,
        "server": str(meeting.server_id or ""),
        "always_open": meeting.always_open,
        "starts_at": local_input(meeting.starts_at, zone),
        "ends_at": local_input(meeting.ends_at, zone),
        "repeat_until": meeting.repeat_until.isoformat() if meeting.repeat_until else "",
        "welcome": meeting.welcome,
        "record": meeting.record,
        "max_participants": str(meeting.max_participants or ""),
        "waiting_room": meeting.guest_policy == "ASK_MODERATOR",
        "attendees_mode": meeting.attendees_mode,
        "owners": " ".join(u.username for u in meeting.owners),
        "moderators": " ".join(u.username for u in meeting.moderators),
        "moderator_groups": " ".join(g.name for g in meeting.moderator_groups),
        "attendees": " ".join(u.username for u in meeting.attendees),
        "attendee_groups": " ".join(g.name for g in meeting.attendee_groups),
        "channel": str(meeting.channel_id or ""),
    }


def read_meeting_form(request, post, zone: str, servers: list[BbbServer], meeting=None) -> tuple[dict, dict]:
    """``(fields, errors)`` from a posted meeting form; people and groups come as rows."""
    errors: dict = {}
    name = (post.get("name") or "").strip()
    if not name:
        errors["name"] = _("Give the meeting a name.")
    server = next((s for s in servers if str(s.id) == post.get("server", "")), None)
    if server is None:
        errors["server"] = _("Choose a server.")
    fields = {
        "name": name[:250],
        "description": (post.get("description") or "")[:20000],
        "server": server,
        "welcome": (post.get("welcome") or "").strip()[:5000],
        "record": post.get("record") == "on",
        "guest_policy": GUEST_POLICIES[1] if post.get("waiting_room") == "on" else GUEST_POLICIES[0],
        "attendees_mode": post.get("attendees_mode", "listed"),
    }
    if fields["attendees_mode"] not in ATTENDEE_MODES:
        errors["attendees_mode"] = _("Choose who attends.")
    fields["max_participants"] = _max_participants(post.get("max_participants", ""), errors)
    fields.update(_schedule(post, zone, errors))
    fields["owners"] = users_named(request, post.get("owners", ""), "owners", errors)
    if meeting is None and request.user is not None and all(u.id != request.user.id for u in fields["owners"]):
        fields["owners"].insert(0, request.user)  # whoever creates a meeting owns it (an admin editing one does not)
    if not fields["owners"] and "owners" not in errors:
        errors["owners"] = _("A meeting needs at least one owner.")
    fields["moderators"] = users_named(request, post.get("moderators", ""), "moderators", errors)
    fields["attendees"] = users_named(request, post.get("attendees", ""), "attendees", errors)
    fields["moderator_groups"] = groups_named(request, post.get("moderator_groups", ""), "moderator_groups", errors)
    fields["attendee_groups"] = groups_named(request, post.get("attendee_groups", ""), "attendee_groups", errors)
    fields["channel"] = _channel(request, post.get("channel", ""), meeting, errors)
    return fields, errors


def meeting_channels(request, meeting: BbbMeeting | None) -> list:
    """The channels a meeting's recordings may go to: those the visitor may add videos to, and its own."""
    channels = addable_channels(request)
    if meeting is not None and meeting.channel is not None and meeting.channel not in channels:
        channels.append(meeting.channel)
    return channels


def _channel(request, value: str, meeting: BbbMeeting | None, errors: dict):
    if not (value or "").strip():
        return None
    channel = next((c for c in meeting_channels(request, meeting) if str(c.id) == value.strip()), None)
    if channel is None:
        errors["channel"] = _("Choose one of the channels offered.")
    return channel


def _max_participants(text: str, errors: dict) -> int:
    text = (text or "").strip()
    if not text:
        return 0
    if not text.isdigit() or int(text) > 10000:
        errors["max_participants"] = _("A whole number from 0 (no limit) to 10000 is expected.")
        return 0
    return int(text)


def _schedule(post, zone: str, errors: dict) -> dict:
    if post.get("always_open") == "on":
        return {"always_open": True, "starts_at": None, "ends_at": None, "repeat": "none", "repeat_until": None}
    starts, ends = parse_moment(post.get("starts_at", ""), zone), parse_moment(post.get("ends_at", ""), zone)
    if starts is None or ends is None:
        errors["starts_at"] = _("Give the start and the end as a date and a time, or choose “always open”.")
    elif not starts < ends <= starts + MAX_LENGTH:
        errors["ends_at"] = _("The end must come after the start, at most 24 hours later.")
    until = _until(post.get("repeat_until", ""), starts, errors)
    return {
        "always_open": False,
        "starts_at": starts,
        "ends_at": ends,
        "repeat": "weekly" if until else "none",
        "repeat_until": until,
    }


def _until(text: str, starts: datetime | None, errors: dict) -> date | None:
    if not (text or "").strip():
        return None
    try:
        until = date.fromisoformat(text.strip())
    except ValueError:
        errors["repeat_until"] = _("A date such as 2027-01-29 is expected.")
        return None
    if starts is not None and until < starts.date():
        errors["repeat_until"] = _("The weekly meetings must end after the first one.")
    elif starts is not None and weeks_between(starts.date(), until) >= MAX_WEEKS:
        errors["repeat_until"] = _("A weekly meeting lasts at most 60 weeks.")
    return until


def apply_meeting(meeting: BbbMeeting, fields: dict) -> None:
    """Write a checked form's fields on ``meeting``."""
    meeting.server = fields["server"]
    meeting.channel = fields["channel"]
    for name in (
        "name",
        "description",
        "welcome",
        "record",
        "guest_policy",
        "attendees_mode",
        "max_participants",
        "always_open",
        "starts_at",
        "ends_at",
        "repeat",
        "repeat_until",
    ):
        setattr(meeting, name, fields[name])
    meeting.owners = fields["owners"]
    meeting.moderators = fields["moderators"]
    meeting.attendees = fields["attendees"]
    meeting.moderator_groups = fields["moderator_groups"]
    meeting.attendee_groups = fields["attendee_groups"]

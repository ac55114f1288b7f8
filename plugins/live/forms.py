"""The event form: reading and checking what an owner posts, and the form's values for an event."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.models import ACCESS_LEVELS, Group, User
from core.plugin_api import _, addable_channels, groups_named, hash_password, users_named
from plugins.live.events import MAX_OCCURRENCES
from plugins.live.models import LiveEvent

MAX_LENGTH = timedelta(hours=12)
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})?$")


def parse_moment(text: str, zone: str) -> datetime | None:
    """A ``datetime-local`` value (``2026-11-30T08:15``) in the site's time zone, as UTC (None: not one)."""
    try:
        moment = datetime.strptime((text or "").strip()[:16], "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    return moment.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC) if moment.year >= 1900 else None


def local_input(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def event_form(event: LiveEvent, zone: str) -> dict:
    """The form's values for an existing event."""
    return {
        "title": event.title,
        "description": event.description,
        "starts_at": local_input(event.starts_at, zone),
        "ends_at": local_input(event.ends_at, zone),
        "access": event.access,
        "groups": " ".join(g.name for g in event.allowed_groups),
        "owners": " ".join(u.username for u in event.owners),
        "channel": str(event.channel_id or ""),
        "dvr": event.dvr,
        "chat_anonymous_read": event.chat_anonymous_read,
    }


def read_form(request, post, zone: str, event: LiveEvent | None = None) -> tuple[dict, dict]:
    """``(fields, errors)`` from a posted form; fields hold ``owners``, ``groups`` and ``until`` apart."""
    errors: dict = {}
    title = (post.get("title") or "").strip()
    if not title:
        errors["title"] = _("Give the event a title.")
    starts, ends = parse_moment(post.get("starts_at", ""), zone), parse_moment(post.get("ends_at", ""), zone)
    if starts is None or ends is None:
        errors["starts_at"] = _("Give the start and the end as a date and a time.")
    elif not starts < ends <= starts + MAX_LENGTH:
        errors["ends_at"] = _("The end must come after the start, at most 12 hours later.")
    access = post.get("access", "draft")
    if access not in ACCESS_LEVELS:
        errors["access"] = _("Choose who may watch.")
    fields = {
        "title": title[:250],
        "description": (post.get("description") or "")[:20000],
        "starts_at": starts,
        "ends_at": ends,
        "access": access,
        "dvr": post.get("dvr") == "on",
        "chat_anonymous_read": post.get("chat_anonymous_read") == "on",
    }
    fields["channel"] = _channel(request, post.get("channel", ""), errors)
    fields["groups"] = _groups(request, post.get("groups", ""), access, errors)
    fields["owners"] = _owners(request, post.get("owners", ""), errors, creating=event is None)
    _password(post.get("password", ""), access, event, fields, errors)
    fields["until"] = _until(post.get("until", ""), starts, errors) if event is None else None
    return fields, errors


def _channel(request, value: str, errors: dict):
    if not value:
        return None
    channel = next((c for c in addable_channels(request) if str(c.id) == value), None)
    if channel is None:
        errors["channel"] = _("No such channel.")
    return channel


def _groups(request, text: str, access: str, errors: dict) -> list[Group]:
    groups = groups_named(request, text, "groups", errors)
    if access == "groups" and not groups and "groups" not in errors:
        errors["groups"] = _("Name at least one group.")
    return groups


def _owners(request, text: str, errors: dict, creating: bool) -> list[User]:
    owners = users_named(request, text, "owners", errors)
    if creating and request.user is not None and all(u.id != request.user.id for u in owners):
        owners.insert(0, request.user)  # whoever schedules an event owns it (an admin editing one does not)
    if not owners and "owners" not in errors:
        errors["owners"] = _("An event needs at least one owner.")
    return owners


def _password(text: str, access: str, event: LiveEvent | None, fields: dict, errors: dict) -> None:
    if text:
        fields["password_hash"] = hash_password(text)
    elif access == "password" and not (event is not None and event.password_hash):
        errors["password"] = _("Give the password viewers will type.")


def _until(text: str, starts: datetime | None, errors: dict) -> date | None:
    if not text:
        return None
    try:
        until = date.fromisoformat(text.strip())
    except ValueError:
        errors["until"] = _("A date such as 2027-01-29 is expected.")
        return None
    if starts is not None and until < starts.date():
        errors["until"] = _("The series must end after its first event.")
    elif starts is not None and (until - starts.date()).days // 7 >= MAX_OCCURRENCES:
        errors["until"] = _("A series holds at most 60 weeks.")  # MAX_OCCURRENCES (always plural: no ngettext)
    return until


def read_audio(post) -> tuple[str, str, dict]:
    """An interpreter's language code and name from the owners' panel."""
    language, name = (post.get("language") or "").strip(), (post.get("name") or "").strip()[:100]
    errors = {}
    if not LANGUAGE.match(language):
        errors["language"] = _("A language code such as en or pt-BR is expected.")
    if not name:
        errors["name"] = _("Name the language as viewers will read it (English).")
    return language, name, errors

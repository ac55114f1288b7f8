"""Checking what a site admin types for a recorder or a scheduled event; errors are messages to translate."""

from __future__ import annotations

import os
import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.models import Channel
from core.plugin_api import ValidationError, _, find_user, language_choices, personal_changed
from plugin_recorder.auth import set_password
from plugin_recorder.models import RECORDER_ACCESS, RECORDER_TYPES, Recorder, RecorderEvent

AGENT_NAME = re.compile(r"^[\w.@-]{1,100}$")
RECORDER_FIELDS = (
    "name",
    "type",
    "username",
    "password",
    "drop_folder",
    "stable_seconds",
    "manager",
    "default_owner",
    "channel",
    "access",
    "language",
    "auto_publish",
)
EVENT_FIELDS = ("title", "room", "start", "end", "owner")
MAX_EVENT = timedelta(hours=12)


def recorder_form(recorder: Recorder | None) -> dict:
    """The edit form's values for an existing recorder (or a new one's defaults)."""
    if recorder is None:
        return {"type": "opencast", "access": "draft", "stable_seconds": "60", "auto_publish": False}
    return {
        "name": recorder.name,
        "type": recorder.type,
        "username": recorder.username,
        "drop_folder": recorder.drop_folder,
        "stable_seconds": str(recorder.stable_seconds),
        "manager": recorder.manager.username if recorder.manager else "",
        "default_owner": recorder.default_owner.username if recorder.default_owner else "",
        "channel": str(recorder.channel_id or ""),
        "access": recorder.access,
        "language": recorder.language,
        "auto_publish": recorder.auto_publish,
    }


def read_recorder_form(post) -> dict:
    form = {key: post.get(key, "").strip() for key in RECORDER_FIELDS if key != "auto_publish"}
    form["password"] = post.get("password", "")
    form["auto_publish"] = "auto_publish" in post
    return form


def _site_user(request, username: str, field: str, errors: dict, required: bool):
    if not username:
        if required:
            errors[field] = _("Give the username of one of this site's accounts.")
        return None
    user = find_user(request.dbsession, request.site.id, username)
    if user is None:
        errors[field] = _("No account of this site has this username.")
    return user


def site_channels(request) -> list[Channel]:
    return list(
        request.dbsession.scalars(
            select(Channel).where(Channel.site_id == request.site.id).order_by(Channel.position, Channel.title)
        )
    )


def site_channel(request, value: str, errors: dict, field: str = "channel") -> Channel | None:
    """The site's channel of that id (``""``: none), or an error."""
    if not value:
        return None
    channel = request.dbsession.get(Channel, int(value)) if value.isdigit() else None
    if channel is None or channel.site_id != request.site.id:
        errors[field] = _("Choose a channel from the list.")
        return None
    return channel


def _check_drop_folder(settings: dict, folder: str, errors: dict) -> str:
    root = settings["drop_root"]
    if not root:
        errors["drop_folder"] = _("Drop folders are turned off on this server (amphi.recorder.drop_root is not set).")
        return folder
    real = os.path.realpath(folder) if folder else ""
    root = os.path.realpath(root)
    if not folder or not os.path.isabs(folder) or os.path.commonpath([real, root]) != root or real == root:
        errors["drop_folder"] = _("Give a folder inside ${root}.", mapping={"root": root})
    return real


def _check_identity(request, recorder: Recorder | None, form: dict, errors: dict) -> None:
    if not AGENT_NAME.match(form["name"]):
        errors["name"] = _("Use 1 to 100 letters, digits, dots, dashes, underscores or @.")
    if form["type"] not in RECORDER_TYPES:
        errors["type"] = _("Choose a type.")
    taken = select(Recorder.id).where(Recorder.site_id == request.site.id, Recorder.name == form["name"])
    if recorder is not None:
        taken = taken.where(Recorder.id != recorder.id)
    if request.dbsession.scalar(taken) is not None:
        errors["name"] = _("Another recorder of this site has this name.")
    form["username"] = form["username"] or form["name"]
    if not AGENT_NAME.match(form["username"]):
        errors["username"] = _("Use 1 to 100 letters, digits, dots, dashes, underscores or @.")
    taken = select(Recorder.id).where(Recorder.site_id == request.site.id, Recorder.username == form["username"])
    if recorder is not None:
        taken = taken.where(Recorder.id != recorder.id)
    if request.dbsession.scalar(taken) is not None:
        errors["username"] = _("Another recorder of this site signs in with this username.")


def save_recorder(request, recorder: Recorder | None, form: dict, settings: dict) -> Recorder:
    """Create or update a recorder from the form, or raise ValidationError (nothing changed then)."""
    errors: dict = {}
    _check_identity(request, recorder, form, errors)
    if (
        form["type"] == "opencast"
        and not form["password"]
        and (recorder is None or not recorder.digest_ha1 or recorder.username != form["username"])
    ):
        errors["password"] = _("Choose the password the capture agent will send (at least 12 characters).")
    if form["password"] and len(form["password"]) < 12:
        errors["password"] = _("Choose the password the capture agent will send (at least 12 characters).")
    folder = _check_drop_folder(settings, form["drop_folder"], errors) if form["type"] == "folder" else ""
    try:
        stable = int(form["stable_seconds"] or 60)
        if not 0 <= stable <= 86400:
            raise ValueError
    except ValueError:
        errors["stable_seconds"] = _("A number of seconds between 0 and 86400.")
        stable = 60
    manager = _site_user(request, form["manager"], "manager", errors, required=True)
    owner = _site_user(request, form["default_owner"], "default_owner", errors, required=False)
    channel = site_channel(request, form["channel"], errors)
    if form["access"] not in RECORDER_ACCESS:
        errors["access"] = _("Choose an access level.")
    if form["language"] and form["language"] not in dict(language_choices("en")):
        errors["language"] = _("Choose a language from the list.")
    if errors:
        raise ValidationError(errors)
    if recorder is None:
        recorder = Recorder(site_id=request.site.id)
        request.dbsession.add(recorder)
    recorder.name, recorder.type, recorder.username = form["name"], form["type"], form["username"]
    recorder.drop_folder, recorder.stable_seconds = folder, stable
    recorder.manager_id, recorder.default_owner_id = manager.id, owner.id if owner else None
    personal_changed(request.dbsession)  # whose navigation counts its pending recordings may change
    recorder.channel_id = channel.id if channel else None
    recorder.access, recorder.language, recorder.auto_publish = form["access"], form["language"], form["auto_publish"]
    if form["password"]:
        set_password(recorder, form["password"])
    request.dbsession.flush()
    return recorder


def parse_moment(text: str, zone: str) -> datetime:
    """A ``datetime-local`` value (``2026-11-30T08:15``) in the site's time zone -> UTC."""
    moment = datetime.strptime(text.strip()[:16], "%Y-%m-%dT%H:%M")
    return moment.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def local_input(moment: datetime, zone: str) -> str:
    """A UTC datetime as a ``datetime-local`` value in the site's time zone."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def event_form(event: RecorderEvent, zone: str) -> dict:
    return {
        "title": event.title,
        "room": event.room,
        "start": local_input(event.start, zone),
        "end": local_input(event.end, zone),
        "owner": event.owner.username if event.owner else "",
    }


def save_event(
    request, recorder: Recorder, form: dict, zone: str = "UTC", event: RecorderEvent | None = None
) -> RecorderEvent:
    """Schedule a recording on ``recorder`` (or change ``event``), or raise ValidationError."""
    errors: dict = {}
    if not form["title"].strip():
        errors["title"] = _("Give a title.")
    try:
        start, end = parse_moment(form["start"], zone), parse_moment(form["end"], zone)
    except ValueError:
        errors["start"] = _("Give the start and the end as a date and a time.")
        start = end = None
    if start is not None and not (start < end <= start + MAX_EVENT):
        errors["end"] = _("The end must come after the start, at most 12 hours later.")
    elif start is not None and _overlaps(request, recorder, start, end, event):
        errors["start"] = _("Another recording of this recorder is scheduled at that time.")
    owner = _site_user(request, form["owner"].strip(), "owner", errors, required=False)
    if errors:
        raise ValidationError(errors)
    if event is None:
        event = RecorderEvent(recorder_id=recorder.id, uid=str(uuid.uuid4()))
        request.dbsession.add(event)
    event.title, event.room = form["title"].strip()[:250], form["room"].strip()[:200]
    event.start, event.end, event.owner_id = start, end, owner.id if owner else None
    request.dbsession.flush()
    return event


def _overlaps(request, recorder: Recorder, start: datetime, end: datetime, event: RecorderEvent | None) -> bool:
    query = select(RecorderEvent.id).where(
        RecorderEvent.recorder_id == recorder.id, RecorderEvent.start < end, RecorderEvent.end > start
    )
    if event is not None:
        query = query.where(RecorderEvent.id != event.id)
    return request.dbsession.scalar(query.limit(1)) is not None

"""Who sees, writes and moderates which notes and comments of a video."""

from __future__ import annotations

from sqlalchemy import or_, select

from core.models import Video
from core.plugin_api import (
    RateLimit,
    ValidationError,
    _,
    clock,
    notify,
    parse_clock,
    permitted,
    video_permits,
    visible_videos,
)
from plugins.notes.models import KINDS, CommentsOff, Note

MAX_TEXT = 5000
#: Seconds during which a note stays highlighted once the player passed its time.
HIGHLIGHT_SECONDS = 10


def may_moderate(request, video: Video) -> bool:
    """Owners, additional owners and site admins (whoever may edit the video)."""
    return request.user is not None and video_permits(request, video, "edit")


def comments_enabled(request, video: Video) -> bool:
    """Asked several times per page (panel, form, replies): read once per request."""
    known = request.environ.setdefault("notes.comments_enabled", {})
    if video.id not in known:
        known[video.id] = request.dbsession.get(CommentsOff, video.id) is None
    return known[video.id]


def set_comments_enabled(request, video: Video, enabled: bool) -> None:
    request.environ.pop("notes.comments_enabled", None)
    row = request.dbsession.get(CommentsOff, video.id)
    if enabled and row is not None:
        request.dbsession.delete(row)
    elif not enabled and row is None:
        request.dbsession.add(CommentsOff(video_id=video.id, site_id=video.site_id))


def shows_comments(request, video: Video) -> bool:
    """Viewers see comments unless they are off; moderators always do (to moderate them)."""
    return comments_enabled(request, video) or may_moderate(request, video)


def visible_notes(request, video: Video) -> list[Note]:
    """The request's own private notes and the comments it may read, by time (replies hang below)."""
    user = request.user
    rules = []
    if user is not None:
        rules.append((Note.kind == "note") & (Note.author_id == user.id))
    if shows_comments(request, video):
        comments = Note.kind == "comment"
        if not may_moderate(request, video):
            comments = comments & Note.hidden.is_(False)
        rules.append(comments)
    if not rules:
        return []
    query = (
        select(Note)
        .where(Note.video_id == video.id, Note.site_id == request.site.id, Note.parent_id.is_(None), or_(*rules))
        .order_by(Note.time, Note.id)
    )
    return list(request.dbsession.scalars(query))


def visible_replies(request, video: Video, notes: list[Note]) -> dict[int, list[Note]]:
    """The answers to these comments by comment id, oldest first (hidden ones for moderators only); one query."""
    ids = [note.id for note in notes if note.kind == "comment"]
    if not ids:
        return {}
    query = select(Note).where(Note.parent_id.in_(ids)).order_by(Note.id)
    if not may_moderate(request, video):
        query = query.where(Note.hidden.is_(False))
    replies: dict[int, list[Note]] = {}
    for reply in request.dbsession.scalars(query):
        replies.setdefault(reply.parent_id, []).append(reply)
    return replies


def own_notes(request, video: Video) -> list[Note]:
    """What the request's user wrote on the video (notes, comments, replies), by time: their export."""
    query = (
        select(Note)
        .where(Note.video_id == video.id, Note.site_id == request.site.id, Note.author_id == request.user.id)
        .order_by(Note.time, Note.id)
    )
    return list(request.dbsession.scalars(query))


def all_own_notes(request) -> list[tuple[Video, list[Note]]]:
    """The user's notes on every video they may still find, grouped by video (newest note's video first)."""
    videos_seen = visible_videos(request).with_only_columns(Video.id)
    query = (
        select(Note)
        .where(Note.site_id == request.site.id, Note.author_id == request.user.id, Note.video_id.in_(videos_seen))
        .order_by(Note.video_id, Note.time, Note.id)
    )
    groups: dict[int, list[Note]] = {}
    for note in request.dbsession.scalars(query):
        groups.setdefault(note.video_id, []).append(note)
    videos = permitted(request, [request.dbsession.get(Video, video_id) for video_id in groups])
    videos.sort(key=lambda v: max(n.created_at for n in groups[v.id]), reverse=True)
    return [(video, groups[video.id]) for video in videos]


def find_note(request, video: Video, note_id) -> Note | None:
    """A note of this video that the request may see, else ``None``."""
    try:
        note = request.dbsession.get(Note, int(note_id))
    except (TypeError, ValueError):
        return None
    if note is None or note.video_id != video.id or note.site_id != request.site.id:
        return None
    user = request.user
    if note.kind == "note":
        return note if user is not None and note.author_id == user.id else None
    if not shows_comments(request, video) or (note.hidden and not may_moderate(request, video)):
        return None
    return note


def add_note(request, video: Video, fields) -> Note:
    """Validate ``fields`` (``text``, ``time``, ``kind``, ``parent``) and add the note; ValidationError says why."""
    errors = {}
    text = (fields.get("text") or "").strip()
    if not text:
        errors["text"] = _("Write something.")
    elif len(text) > MAX_TEXT:
        errors["text"] = _("At most ${max} characters.", mapping={"max": MAX_TEXT})
    parent = None
    if fields.get("parent"):
        parent = find_note(request, video, fields["parent"])
        if parent is None or parent.kind != "comment" or parent.parent_id is not None:
            raise ValidationError({"parent": _("This comment cannot be answered.")})
        kind, time = "comment", parent.time
    else:
        kind = fields.get("kind") or "note"
        if kind not in KINDS:
            errors["kind"] = _("Choose a private note or a public comment.")
        time = _checked_time(fields.get("time"), video, errors)
    if kind == "comment" and not comments_enabled(request, video):
        errors["kind"] = _("Comments are turned off on this video.")
    if errors:
        raise ValidationError({k: request.localizer.translate(v) for k, v in errors.items()})
    limit_additions(request)
    note = Note(
        site_id=video.site_id,
        video_id=video.id,
        author_id=request.user.id,
        parent_id=parent.id if parent else None,
        kind=kind,
        time=time,
        text=text,
    )
    request.dbsession.add(note)
    request.dbsession.flush()
    if parent is not None:
        tell_author_of_reply(request, video, parent)
    return note


#: The kind of notification a comment's author gets when someone answers it.
REPLY_KIND = "notes.reply"


def tell_author_of_reply(request, video: Video, parent: Note) -> None:
    """Notify the answered comment's author (not when they answered themselves); the answer's text stays out."""
    if parent.author_id == request.user.id:
        return
    mapping = {"name": request.user.name, "title": video.title}
    notify(
        request,
        parent.author,
        REPLY_KIND,
        _("${name} answered your comment on “${title}”", mapping=mapping),
        request.route_path("video", video_id=video.id, _anchor=f"note-{parent.id}"),
        _("Read the answer on the video's page:"),
        video_id=video.id,
        note_id=parent.id,
    )


def limit_additions(request) -> None:
    """At most ``amphi.notes.per_hour`` additions per user and hour (TooManyAttempts, a 429, beyond)."""
    per_hour = request.plugin_settings("notes")["per_hour"]
    if per_hour > 0:
        limiter, key = RateLimit("notes.added", per_hour, 3600), f"user:{request.user.id}"
        limiter.take(request.dbsession, request.site.id, key)


def _checked_time(value, video: Video, errors: dict) -> float:
    try:
        time = parse_clock(str(value if value is not None else "0"))
    except ValueError:
        errors["time"] = _("A time such as 1:15 or 75 (seconds) is expected.")
        return 0.0
    if video.duration and time > video.duration:
        errors["time"] = _("The video lasts ${duration}.", mapping={"duration": clock(video.duration)})
    return time


def may_delete(request, video: Video, note: Note, moderator: bool | None = None) -> bool:
    """Authors delete what they wrote; moderators delete any comment (``moderator``: already known)."""
    user = request.user
    if user is None:
        return False
    if note.author_id == user.id:
        return True
    return note.kind == "comment" and (may_moderate(request, video) if moderator is None else moderator)

"""What people do in a room: post, moderate, ask and vote; each change is stored, then published after commit."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import delete, func, or_, select, update

from core.models import User, utcnow
from core.plugin_api import AmphiError, RateLimit, TooManyAttempts, ValidationError, _, lock_rows
from plugins.chat.delivery import publish_after_commit, tell_after_commit
from plugins.chat.models import ChatHiddenUser, ChatMessage, ChatQuestion, ChatReplay, ChatRoom, ChatVote
from plugins.chat.rooms import Access, room_row
from plugins.chat.text import render_text

MAX_TEXT = 500
#: Longer bodies are refused before they are read as a message (a 413).
MAX_BODY = 8 * 1024
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
MAX_SLOW = 3600


class TooLarge(AmphiError):
    """The request's body is far longer than any message."""

    status = 413
    code = "too-large"


class Forbidden(AmphiError):
    """Not allowed in this room."""

    status = 403
    code = "forbidden"


class NotFound(AmphiError):
    """No such thing in this room."""

    status = 404
    code = "not-found"


def clean_text(value, field: str = "text") -> str:
    """The text of a message or question: trimmed, no control nor direction characters, 1 to 500 characters."""
    text = CONTROL.sub("", str(value if value is not None else "")).strip()
    if not text:
        raise ValidationError({field: _("Write something first.")})
    if len(text) > MAX_TEXT:
        raise ValidationError({field: _("At most ${max} characters.", mapping={"max": MAX_TEXT})})
    return text


def hidden_ids(request, room: ChatRoom) -> set[int]:
    query = select(ChatHiddenUser.user_id).where(ChatHiddenUser.room_id == room.id)
    return set(request.dbsession.scalars(query))


def message_json(message: ChatMessage, hidden: bool = False) -> dict:
    """A message as the widget and the hooks get it (``author_id`` None and ``source`` set: an outside speaker)."""
    return {
        "id": message.id,
        "author": message.author_name,
        "author_id": message.author_id,
        "source": message.source,
        "text": message.text,
        "html": str(render_text(message.text)),
        "at": message.created_at.isoformat(),
        "hidden": hidden,
    }


def not_hidden(hidden: set[int]):
    """The messages whose author is not hidden (outside speakers have no author to hide)."""
    return or_(ChatMessage.author_id.is_(None), ChatMessage.author_id.not_in(hidden))


def last_messages(request, room: ChatRoom, access: Access, count: int) -> list[dict]:
    """The room's last ``count`` messages, oldest first; hidden users' only for moderators."""
    hidden = hidden_ids(request, room)
    query = select(ChatMessage).where(ChatMessage.room_id == room.id, ChatMessage.deleted_at.is_(None))
    if hidden and not access.moderate:
        query = query.where(not_hidden(hidden))
    rows = request.dbsession.scalars(query.order_by(ChatMessage.id.desc()).limit(count)).all()
    return [message_json(m, m.author_id in hidden) for m in reversed(rows)]


def require(request, access: Access, what: str) -> None:
    if what == "write" and not access.write:
        if request.user is None:
            reason = _("Sign in to write in this chat.")
        else:
            reason = _("This chat is closed.") if not access.open else _("You may read this chat, not write in it.")
        raise Forbidden(request.translate(reason))
    if what == "moderate" and not access.moderate:
        raise Forbidden(request.translate(_("Only the chat's moderators may do this.")))


def limit_posts(request, room: ChatRoom, access: Access) -> None:
    """The per-minute limit of each user, and the room's slow mode (moderators are not slowed)."""
    per_minute = request.plugin_settings("chat")["per_minute"]
    if per_minute > 0:
        RateLimit("chat.posted", per_minute, 60).take(request.dbsession, request.site.id, f"user:{request.user.id}")
    if room.slow_seconds and not access.moderate:
        since = utcnow() - timedelta(seconds=room.slow_seconds)
        recent = select(func.count(ChatMessage.id)).where(
            ChatMessage.room_id == room.id, ChatMessage.author_id == request.user.id, ChatMessage.created_at > since
        )
        if request.dbsession.scalar(recent):
            slow = _("Slow mode: one message every ${seconds} seconds.", mapping={"seconds": room.slow_seconds})
            raise TooManyAttempts(request.translate(slow), info={"retry_after": room.slow_seconds})


def post_message(request, access: Access, value) -> ChatMessage:
    require(request, access, "write")
    text = clean_text(value)
    room = room_row(request, access.room)
    if request.user.id in hidden_ids(request, room):
        raise Forbidden(request.translate(_("A moderator stopped your messages in this chat.")))
    limit_posts(request, room, access)
    message = ChatMessage(site_id=request.site.id, room_id=room.id, author_id=request.user.id, text=text)
    request.dbsession.add(message)
    request.dbsession.flush()
    deliver(request, access.room, message)
    return message


def post_as_speaker(request, access: Access, speaker: str, value, source: str) -> ChatMessage | None:
    """Post for someone outside Amphi (see :func:`plugins.chat.api.post_as_speaker`); None when the room is
    closed. Longer texts are cut (with an ellipsis) rather than refused: the speaker cannot be asked again."""
    text = CONTROL.sub("", str(value if value is not None else "")).strip()
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1].rstrip() + "…"
    name = " ".join(CONTROL.sub("", speaker or "").split())[:100]
    if not text or not name or not access.open:
        return None
    room = room_row(request, access.room)
    message = ChatMessage(
        site_id=request.site.id, room_id=room.id, author_id=None, speaker=name, source=source[:32], text=text
    )
    request.dbsession.add(message)
    request.dbsession.flush()
    deliver(request, access.room, message)
    return message


def deliver(request, room: str, message: ChatMessage) -> None:
    """After the commit: the message to the room's subscribers, and to the plugins listening for it."""
    data = message_json(message)
    publish_after_commit(request, room, {"type": "message", **data})
    tell_after_commit(request, room, data)


def delete_message(request, access: Access, message_id: int) -> None:
    """Moderators delete any message, authors their own; the text stays for the export."""
    room = room_row(request, access.room)
    message = request.dbsession.get(ChatMessage, message_id)
    if message is None or message.room_id != room.id or message.deleted_at is not None:
        raise NotFound(request.translate(_("No such message in this chat.")))
    if not access.moderate and (request.user is None or message.author_id != request.user.id):
        raise Forbidden(request.translate(_("Only the chat's moderators may do this.")))
    message.deleted_at, message.deleted_by_id = utcnow(), request.user.id
    replays_changed(request, room)
    publish_after_commit(request, access.room, {"type": "delete", "id": message.id})


def replays_changed(request, room: ChatRoom) -> None:
    """The room's messages show on the page of the video that replays it: a moderation changes that page.
    Writing the replay's row (a no-op) ages every cached page; a room without replay ages none."""
    if request.dbsession.scalar(select(ChatReplay.video_id).where(ChatReplay.room_id == room.id).limit(1)):
        lock_rows(request.dbsession, ChatReplay, ChatReplay.room_id == room.id)


def hide_user(request, access: Access, user_id: int, hidden: bool) -> None:
    require(request, access, "moderate")
    user = request.dbsession.get(User, user_id)
    if user is None or user.site_id != request.site.id:
        raise NotFound(request.translate(_("No such user.")))
    room = room_row(request, access.room)
    row = request.dbsession.get(ChatHiddenUser, (room.id, user_id))
    if hidden and row is None:
        request.dbsession.add(
            ChatHiddenUser(room_id=room.id, user_id=user_id, site_id=request.site.id, hidden_by_id=request.user.id)
        )
    elif not hidden and row is not None:
        request.dbsession.delete(row)
    request.dbsession.flush()
    replays_changed(request, room)
    publish_after_commit(request, access.room, {"type": "hide" if hidden else "unhide", "user_id": user_id})


def set_room(request, access: Access, fields) -> ChatRoom:
    """Open or close the chat, slow it down, let anonymous viewers read or not."""
    require(request, access, "moderate")
    room = room_row(request, access.room)
    if "open" in fields:
        room.open = as_bool(fields["open"])
    if "anonymous_read" in fields:
        room.anonymous_read = as_bool(fields["anonymous_read"])
    if "slow_seconds" in fields:
        try:
            seconds = int(str(fields["slow_seconds"]).strip() or 0)
        except ValueError:
            seconds = -1
        if not 0 <= seconds <= MAX_SLOW:
            raise ValidationError({"slow_seconds": _("From 0 (off) to ${max} seconds.", mapping={"max": MAX_SLOW})})
        room.slow_seconds = seconds
    request.dbsession.flush()
    publish_after_commit(request, access.room, {"type": "room", **room_state(room)})
    return room


def room_state(room: ChatRoom) -> dict:
    return {"open": room.open, "slow_seconds": room.slow_seconds, "anonymous_read": room.anonymous_read}


def as_bool(value) -> bool:
    return value is True or str(value).lower() in ("1", "true", "on", "yes")


# --- questions -------------------------------------------------------------------------


def question_json(question: ChatQuestion) -> dict:
    return {
        "id": question.id,
        "author": question.author.display_name or question.author.username,
        "text": question.text,
        "html": str(render_text(question.text)),
        "votes": question.votes,
        "answered": question.answered,
        "at": question.created_at.isoformat(),
    }


def questions(request, room: ChatRoom) -> list[ChatQuestion]:
    """Open questions by votes (the most asked first, then the oldest), then the answered ones."""
    query = select(ChatQuestion).where(ChatQuestion.room_id == room.id, ChatQuestion.deleted_by_id.is_(None))
    order = (ChatQuestion.answered, ChatQuestion.votes.desc(), ChatQuestion.id)
    return list(request.dbsession.scalars(query.order_by(*order)))


def my_votes(request, room: ChatRoom) -> list[int]:
    if request.user is None:
        return []
    query = (
        select(ChatVote.question_id)
        .join(ChatQuestion, ChatQuestion.id == ChatVote.question_id)
        .where(ChatQuestion.room_id == room.id, ChatVote.user_id == request.user.id)
    )
    return list(request.dbsession.scalars(query))


def require_questions(request, access: Access) -> None:
    if not access.questions:
        raise Forbidden(request.translate(_("Questions are not taken in this chat.")))


def ask(request, access: Access, value) -> ChatQuestion:
    require(request, access, "write")
    require_questions(request, access)
    text = clean_text(value)
    room = room_row(request, access.room)
    if request.user.id in hidden_ids(request, room):
        raise Forbidden(request.translate(_("A moderator stopped your messages in this chat.")))
    limit_posts(request, room, access)
    question = ChatQuestion(
        site_id=request.site.id, room_id=room.id, author_id=request.user.id, text=text, votes=0, answered=False
    )
    request.dbsession.add(question)
    request.dbsession.flush()
    publish_question(request, access, question)
    return question


def find_question(request, access: Access, question_id: int) -> ChatQuestion:
    room = room_row(request, access.room)
    question = request.dbsession.get(ChatQuestion, question_id)
    if question is None or question.room_id != room.id or question.deleted_by_id is not None:
        raise NotFound(request.translate(_("No such question in this chat.")))
    return question


def vote(request, access: Access, question_id: int, up: bool) -> ChatQuestion:
    """One vote per user and question: voting twice changes nothing, nor does taking back no vote."""
    if request.user is None or not access.read:
        raise Forbidden(request.translate(_("Sign in to vote.")))
    require_questions(request, access)
    question = find_question(request, access, question_id)
    mine = request.dbsession.get(ChatVote, (question.id, request.user.id))
    if up and mine is None:
        request.dbsession.add(ChatVote(question_id=question.id, user_id=request.user.id))
        step = 1
    elif not up and mine is not None:
        request.dbsession.delete(mine)
        step = -1
    else:
        return question
    request.dbsession.flush()
    # Counted in the database, not in Python: concurrent votes are never lost.
    request.dbsession.execute(
        update(ChatQuestion).where(ChatQuestion.id == question.id).values(votes=ChatQuestion.votes + step)
    )
    request.dbsession.refresh(question)
    publish_question(request, access, question)
    return question


def mark_answered(request, access: Access, question_id: int, answered: bool) -> ChatQuestion:
    require(request, access, "moderate")
    question = find_question(request, access, question_id)
    question.answered = answered
    request.dbsession.flush()
    publish_question(request, access, question)
    return question


def delete_question(request, access: Access, question_id: int) -> None:
    question = find_question(request, access, question_id)
    if not access.moderate and (request.user is None or question.author_id != request.user.id):
        raise Forbidden(request.translate(_("Only the chat's moderators may do this.")))
    question.deleted_by_id = request.user.id
    request.dbsession.execute(delete(ChatVote).where(ChatVote.question_id == question.id))
    publish_after_commit(request, access.room, {"type": "question_deleted", "id": question.id})


def publish_question(request, access: Access, question: ChatQuestion) -> None:
    publish_after_commit(request, access.room, {"type": "question", "question": question_json(question)})

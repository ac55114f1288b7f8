"""A room's messages and questions for its moderators, as CSV or JSON (deleted and hidden ones marked)."""

from __future__ import annotations

import csv
import io
import json

from pyramid.response import Response
from sqlalchemy import select

from core.models import User
from plugins.chat.models import ChatMessage, ChatQuestion, ChatRoom
from plugins.chat.rooms import Access
from plugins.chat.service import hidden_ids

#: A spreadsheet runs a cell that starts with these as a formula: such cells get a leading apostrophe.
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def rows(request, room: ChatRoom) -> tuple[list[dict], list[dict]]:
    hidden = hidden_ids(request, room)
    names = {}

    def name(user_id):
        if user_id is None:
            return ""
        if user_id not in names:
            user = request.dbsession.get(User, user_id)
            names[user_id] = user.username if user else ""
        return names[user_id]

    messages = request.dbsession.scalars(
        select(ChatMessage).where(ChatMessage.room_id == room.id).order_by(ChatMessage.id)
    )
    questions = request.dbsession.scalars(
        select(ChatQuestion).where(ChatQuestion.room_id == room.id).order_by(ChatQuestion.id)
    )
    return (
        [
            {
                "id": m.id,
                "at": m.created_at.isoformat(),
                "author": name(m.author_id) or m.speaker,
                "author_name": m.author_name,
                "text": m.text,
                "deleted_by": name(m.deleted_by_id),
                "author_hidden": m.author_id in hidden,
            }
            for m in messages
        ],
        [
            {
                "id": q.id,
                "at": q.created_at.isoformat(),
                "author": name(q.author_id),
                "text": q.text,
                "votes": q.votes,
                "answered": q.answered,
                "deleted_by": name(q.deleted_by_id),
            }
            for q in questions
        ],
    )


def export(request, access: Access, room: ChatRoom, kind: str) -> Response:
    messages, questions = rows(request, room)
    filename = f"chat-{access.room}.{kind}"
    if kind == "json":
        body = json.dumps(
            {"room": access.room, "title": access.title, "messages": messages, "questions": questions},
            ensure_ascii=False,
            indent=1,
        )
        response = Response(body, content_type="application/json", charset="utf-8")
    else:
        response = Response(to_csv(messages, questions), content_type="text/csv", charset="utf-8")
    response.content_disposition = f'attachment; filename="{filename}"'
    return response


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA) else text


def to_csv(messages: list[dict], questions: list[dict]) -> str:
    """One table: messages, then questions (``kind`` tells them apart)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["kind", "id", "at", "author", "text", "votes", "answered", "deleted_by", "author_hidden"])
    for m in messages:
        writer.writerow(
            [
                "message",
                m["id"],
                m["at"],
                safe_cell(m["author"]),
                safe_cell(m["text"]),
                "",
                "",
                safe_cell(m["deleted_by"]),
                int(m["author_hidden"]),
            ]
        )
    for q in questions:
        writer.writerow(
            [
                "question",
                q["id"],
                q["at"],
                safe_cell(q["author"]),
                safe_cell(q["text"]),
                q["votes"],
                int(q["answered"]),
                safe_cell(q["deleted_by"]),
                "",
            ]
        )
    return "\ufeff" + out.getvalue()  # the BOM: spreadsheets then read the accents right

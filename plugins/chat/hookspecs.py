"""The chat's hooks, added to the contract by this plugin (``AMPHI_HOOKSPECS``).

A room is a string, ``<kind>-<id>``: ``video-<id>`` rooms are answered by the chat itself (from the
core's video permissions), ``event-<id>`` rooms by the ``live`` plugin. A plugin that hosts a chat
implements :func:`amphi_chat_room_access`, and a plugin that carries a room's messages elsewhere (the
BigBlueButton plugin, into a meeting's chat) implements :func:`amphi_chat_message_posted`, both with
``@hookimpl(optionalhook=True)`` (the chat may be absent).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from pyramid.request import Request

hookspec = pluggy.HookspecMarker("amphi")


@hookspec(firstresult=True)
def amphi_chat_room_access(request: Request, room: str) -> dict | None:
    """Say what the request's visitor may do in ``room`` of the request's site.

    Called on every chat endpoint (reading, writing, moderating, exporting, subscribing): answer
    only for the rooms you host, on the request's site, and ``None`` for the others.
    Stops at first non-None result.

    :param request: the current request (``request.site``, ``request.user``).
    :param room: the room's key, ``event-<id>`` or ``video-<id>``.
    :return: ``{"read": bool, "write": bool, "moderate": bool, "title": str, "url": str,
        "open": bool, "questions": bool}``: ``open`` False closes the chat whatever its moderators
        set (an event that ended), ``questions`` offers the question mode, ``url`` is the page the
        chat belongs to; or ``None``.
    """


@hookspec
def amphi_chat_message_posted(request: Request, room: str, message: dict) -> None:
    """Tell that a message was posted in ``room`` of the request's site.

    Called after the transaction that stored the message committed, with a request of the site in a
    transaction of its own (committed when every listener returned): a listener may read and write the
    database, and queues what talks to another system with
    :func:`core.plugin_api.enqueue_after_commit`. A listener that raises is logged and skipped; the
    message is delivered whatever the listeners do. Messages of outside speakers
    (:func:`plugins.chat.api.post_as_speaker`) are told too: ``source`` says which plugin posted them, so
    that plugin does not carry its own messages back (an echo).

    .. versionadded:: 2.3.0

    :param request: a request of the room's site (no user), in its own transaction.
    :param room: the room's key, ``event-<id>`` or ``video-<id>``.
    :param message: ``{"id", "author", "author_id", "source", "text", "html", "at", "hidden"}``: ``author`` is
        the name shown, ``author_id`` None for an outside speaker, ``source`` empty for a person who wrote
        in Amphi, ``text`` the plain text as stored, ``at`` an ISO 8601 UTC time.
    """

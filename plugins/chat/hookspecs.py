"""The chat's hook, added to the contract by this plugin (``AMPHI_HOOKSPECS``).

A room is a string, ``<kind>-<id>``: ``video-<id>`` rooms are answered by the chat itself (from the
core's video permissions), ``event-<id>`` rooms by the ``live`` plugin. A plugin that hosts a chat
implements this hook with ``@hookimpl(optionalhook=True)`` (the chat may be absent).
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

"""What other plugins may use of the chat: its only public module.

A plugin that uses it either requires the chat (``AMPHI_REQUIRES = ("chat",)``) or checks that the
request's site enabled it (``request.site.has_plugin("chat")``) before calling anything here, and is
listed in the ``ignore_imports`` of import-linter's ``plugins-independent`` contract. To learn of the
messages posted in a room, implement :func:`plugins.chat.hookspecs.amphi_chat_message_posted`.
"""

from __future__ import annotations

from plugins.chat.rooms import room_access
from plugins.chat.service import MAX_TEXT, message_json
from plugins.chat.service import post_as_speaker as _post_as_speaker

NAME = "chat"

__all__ = ["MAX_TEXT", "NAME", "post_as_speaker", "room_is_open"]


def post_as_speaker(request, room: str, speaker: str, text: str, source: str) -> dict | None:
    """Post ``text`` into ``room`` of the request's site as ``speaker``, someone outside Amphi.

    The message has no author account: ``speaker`` is the name shown (at most 100 characters, for
    example ``"BBB · Ada"``), ``source`` marks the plugin that posted it (``bbb``), which
    ``amphi_chat_message_posted`` passes on so that the plugin does not carry it back. The text is
    plain text, escaped wherever it is shown like any message; one longer than :data:`MAX_TEXT`
    characters is cut. It is stored in the request's transaction and delivered to the room's viewers
    after the commit, like any message.

    :return: the message as the widget gets it, or ``None`` when no plugin hosts the room on this site,
        the room is closed (its moderators closed it, its event is over) or there is no text.
    """
    access = room_access(request, room)
    if access is None:
        return None
    message = _post_as_speaker(request, access, speaker, text, source)
    return message_json(message) if message is not None else None


def room_is_open(request, room: str) -> bool:
    """Whether ``room`` of the request's site takes messages now (hosted, not closed)."""
    access = room_access(request, room)
    return access is not None and access.open

"""The hooks of live events, added to the contract by this plugin (``pm.add_hookspecs``).

They exist where ``live`` is loaded (the chat plugin implements them). Like the core's, they are called
per site through ``request.hooks``, with keyword arguments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from markupsafe import Markup
    from pyramid.request import Request

hookspec = pluggy.HookspecMarker("amphi")


@hookspec
def amphi_live_aside(request: Request, event: dict) -> list[Markup]:
    """Offer fragments shown beside a live event's player (a chat, questions...).

    Called when the event page renders, for a viewer who may watch the event. The fragments are
    inserted as they are: escape what they hold.

    .. versionadded:: 2.2.0

    :param request: the current request.
    :param event: ``{"id", "room": "event-<id>", "state", "title", "is_owner", "started_at"}``
        (``state`` as shown: ``scheduled``, ``waiting``, ``on_air``, ``ended``, ``replay_ready`` or
        ``no_stream``; ``started_at`` an ISO 8601 UTC time or ``None``).
    :return: a list of :class:`markupsafe.Markup` fragments.
    """


@hookspec
def amphi_live_replay(request: Request, event: dict, video_id: int) -> None:
    """Tell that an event's replay video now exists (a draft for the event's owners).

    Called in a transaction of its own, after the video was created (the chat attaches the room's
    messages to it).

    .. versionadded:: 2.2.0

    :param request: a request of the event's site.
    :param event: as for :func:`amphi_live_aside` (``is_owner`` False).
    :param video_id: the id of the replay video.
    """

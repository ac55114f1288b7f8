"""The hook of learning records, added to the contract by this plugin (``pm.add_hookspecs``).

It exists where ``xapi`` is loaded. A plugin that knows more of a viewing than Amphi does (the course an
LMS launched the viewer from) implements it; one that must also load where ``xapi`` is not installed
marks its implementation ``@hookimpl(optionalhook=True)``. Called per site through ``request.hooks``,
with keyword arguments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from pyramid.request import Request

    from core.models import Video

hookspec = pluggy.HookspecMarker("amphi")


@hookspec
def amphi_xapi_context(request: Request, video: Video) -> dict[str, Any] | None:
    """Add to the context of the xAPI statements of a viewing (the course the viewer came from...).

    Called in the viewer's request when the player's events become statements (see
    ``amphi_player_events``), once per batch; it must stay cheap. The statements already carry the
    site and the video's channels (``grouping``), the Video Profile (``category``), the viewing's
    ``registration`` and the profile's ``session-id`` and ``length`` extensions. An LTI launch answers
    the course as ``parent`` (and its platform as ``grouping``), so that the LRS files the statements
    under the course.

    .. versionadded:: 2.4.0

    :param request: the viewer's request (``request.user`` may be ``None``; a viewer in an LMS frame
        may be known only to the plugin that launched them).
    :param video: the :class:`core.models.Video` watched.
    :return: ``None``, or a dict with any of ``parent``, ``grouping``, ``category``, ``other`` (lists
        of xAPI activities: ``{"id": IRI, "definition": {"type": IRI, "name": {"en": "..."}}}``), added to
        ``context.contextActivities``, and ``extensions`` (``{IRI: value}``), added to ``context.extensions``.
    """

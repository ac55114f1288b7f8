"""The hooks of the Opencast ingest protocol, added to the contract by this plugin (``pm.add_hookspecs``).

They exist where ``opencast_ingest`` is loaded; a plugin that implements them declares
``AMPHI_REQUIRES = ("opencast_ingest",)``. Like the core's, they are called per site through
``request.hooks``, with keyword arguments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from pyramid.request import Request

    from core.models import Video
    from plugins.opencast_ingest.api import IngestPrincipal
    from plugins.opencast_ingest.models import IngestPackage

hookspec = pluggy.HookspecMarker("amphi")


@hookspec(firstresult=True)
def amphi_ingest_authenticate(request: Request) -> IngestPrincipal | None:
    """Say who is calling the ingest endpoints (``/ingest/...``, :mod:`plugins.opencast_ingest.views`).

    Called on every ingest request. The endpoints answer 404 on a site where no
    enabled plugin implements this hook; when every implementation answers ``None``
    they answer 401 with the challenges of ``amphi_ingest_challenge``. A plugin that
    accepts a session must check that the request comes from the site itself (the
    endpoints take no CSRF token).
    Stops at first non-None result.

    .. versionadded:: 1.4.0
    .. versionchanged:: 2.0.0
       Declared by the built-in plugin ``opencast_ingest`` (``AMPHI_HOOKSPECS``), no longer by the core.

    :param request: the current request.
    :return: a :class:`plugins.opencast_ingest.api.IngestPrincipal` whose user belongs to the
        site, or ``None``.
    """


@hookspec
def amphi_ingest_challenge(request: Request) -> str | None:
    """Name how an ingest client should authenticate, after a 401.

    .. versionadded:: 1.4.0
    .. versionchanged:: 2.0.0
       Declared by the built-in plugin ``opencast_ingest`` (``AMPHI_HOOKSPECS``), no longer by the core.

    :param request: the current request (refused).
    :return: a ``WWW-Authenticate`` value (``Basic realm="..."``, a Digest challenge), or ``None``.
    """


@hookspec
def amphi_ingest_received(
    request: Request, principal: IngestPrincipal, mediapackage: IngestPackage, video: Video
) -> None:
    """A media package was ingested and became a video (processing is queued).

    The plugin that authenticated the client applies its policy here (publish with
    the owner's defaults, hold as a pending recording...); check ``principal.source``
    to act only on your own clients. Runs in the ingest request's transaction; an
    exception is logged and the video stays as created (a draft).

    .. versionadded:: 1.4.0
    .. versionchanged:: 2.0.0
       Declared by the built-in plugin ``opencast_ingest`` (``AMPHI_HOOKSPECS``), no longer by the core.

    :param request: the current request.
    :param principal: the :class:`plugins.opencast_ingest.api.IngestPrincipal` of the client.
    :param mediapackage: the :class:`plugins.opencast_ingest.models.IngestPackage` (``metadata_``
        holds the episode catalogue's terms: ``title``, ``creator``, ``isPartOf``...; ``elements``
        its files).
    :param video: the new :class:`core.models.Video`.
    :return: ignored.
    """

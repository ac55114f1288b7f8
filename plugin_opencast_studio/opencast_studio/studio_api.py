"""What Studio reads around an upload: the series it offers (the user's channels), ``/lti``, and what
a recording gets from them (its channel, its language).

Studio (``src/opencast.tsx``) asks ``<server>/studio-api/series.json`` (``studio/series.json`` before
2023) for a JSON list of ``{"id", "title"}`` and puts the chosen id in the episode's Dublin Core
``isPartOf``; when its login is provided by the session it also asks ``<server>/lti`` and takes an
empty object for "no LTI session". The series offered are the channels the user may add videos to.
"""

from __future__ import annotations

import logging

from core.models import Channel, User
from core.plugin_api import add_to_channel, addable_channels, setting

log = logging.getLogger(__name__)


class ActingAs:
    """The request seen as ``user``: an ingest client's principal need not be the session's user."""

    def __init__(self, request, user: User):
        self._request, self.user = request, user

    def __getattr__(self, name):
        return getattr(self._request, name)


def user_series(request, user: User) -> list[dict]:
    """The series Studio offers ``user``: the channels they may add videos to, as Studio reads them."""
    return [{"id": str(channel.id), "title": channel.title} for channel in addable_channels(ActingAs(request, user))]


def series_channel(request, user: User, series_id) -> Channel | None:
    """The channel a recording's ``isPartOf`` names, if ``user`` may add videos to it."""
    if not isinstance(series_id, str) or not series_id:
        return None
    return next((c for c in addable_channels(ActingAs(request, user)) if str(c.id) == series_id), None)


def recording_language(request, user: User, catalogue_language: str = "") -> str:
    """The language of a recording: its Dublin Core ``language``, else the user's, else the site's default."""
    return catalogue_language or user.locale or setting(request.registry.settings, "amphi.default_locale")


def file_recording(request, user: User, metadata: dict, video) -> None:
    """Give a new recording its language and put it in the series (channel) Studio named, if allowed."""
    video.language = recording_language(request, user, video.language)
    series_id = metadata.get("isPartOf")
    channel = series_channel(request, user, series_id)
    if channel is not None:
        add_to_channel(video, channel)
    elif series_id:
        log.info("video %s: %r is not a channel %s may add videos to; left out", video.id, series_id, user.username)

"""What a video card shows (``_cards.html``): its small image, its duration, date, views and owner link.

A card's image is a small copy of the poster (:mod:`core.pipeline.card_images`), served through the
signed media URLs with the same access rules (:mod:`core.web.media`). Its URL is signed for
everyone (viewer 0) rather than for the viewer, so a list stays the same for everyone with the same
access and may be shared from a cache; each fetch is still checked against the video's access rules.
"""

from __future__ import annotations

import functools
from datetime import date, datetime

from babel.dates import format_date
from babel.numbers import format_decimal
from sqlalchemy import select

from core.catalogue.media_urls import media_secret, next_expiry, sign, signature
from core.catalogue.tracks import active_plugins
from core.models import Track, Video, utcnow
from core.pipeline.card_images import card_path
from core.platform.i18n import _
from core.platform.plugins import collect
from core.platform.timecodes import clock
from core.platform.ui import Badge, video_badges


def duration_clock(seconds: float | None) -> str:
    """The ``clock`` template filter: ``0:20``, ``4:05``, ``1:02:03`` (whole seconds, rounded down; '' for none)."""
    return "" if seconds is None else clock(seconds)


def shared_expiry(request, video: Video) -> tuple[int, str]:
    """``(expires, signature)`` of a media URL signed for everyone (viewer 0): a card image's."""
    expires = next_expiry(request)
    return expires, sign(request, video.id, expires, 0)


def card_image_url(request, video: Video) -> str:
    """The signed URL of ``video``'s card image ('' when it shows none: no poster, or a password to give)."""
    if not video.poster_key or video.access == "password":
        return ""
    expires, signature = shared_expiry(request, video)
    path = card_path(video.poster_key).split("/")
    return request.route_url("media", video_id=video.id, expires=expires, signature=signature, path=path)


@functools.lru_cache(maxsize=4096)
def _local_date(day: date, locale: str) -> str:
    return format_date(day, format="medium", locale=locale)


@functools.lru_cache(maxsize=4096)
def _local_number(value: int, locale: str) -> str:
    return format_decimal(value, locale=locale)


def published_on(request, video: Video) -> tuple[str, str]:
    """``(iso date, date in the reader's language)`` of a video's publication (its creation if undated)."""
    moment: datetime = video.publish_at or video.created_at
    return moment.date().isoformat(), _local_date(moment.date(), request.locale_name)


class CardImages:
    """Card image URLs of one request: the expiry, the key and the URL's start are worked out once."""

    def __init__(self, request):
        self.request = request
        self._base: tuple[int, bytes, str] | None = None

    def _prepared(self) -> tuple[int, bytes, str]:
        if self._base is None:
            request = self.request
            expires = next_expiry(request)
            # The route's URL for a stand-in video, cut before the video's id (core.web.media's pattern).
            sample = request.route_url("media", video_id=0, expires=expires, signature="0" * 32, path="")
            self._base = (expires, media_secret(request), sample[: -len(f"0/{expires}/{'0' * 32}/")])
        return self._base

    def url(self, video: Video) -> str:
        """What :func:`card_image_url` answers, without a route lookup per card."""
        if not video.poster_key or video.access == "password":
            return ""
        expires, secret, start = self._prepared()
        return f"{start}{video.id}/{expires}/{signature(secret, video.id, expires, 0)}/{card_path(video.poster_key)}"


def video_views(request, videos) -> dict[int, int]:
    """The view counts plugins know of a list of videos (``amphi_video_views``); none without such a plugin."""
    videos = list(videos)
    counts: dict[int, int] = {}
    if not videos:
        return counts
    for answer in collect(request, "amphi_video_views", expect=dict, videos=videos):
        for video_id, count in answer.items():
            counts[video_id] = counts.get(video_id, 0) + int(count)
    return counts


def core_badges(request, videos: list[Video]) -> dict[int, list[Badge]]:
    """The core's own badges: captions (a subtitles or captions track of an enabled plugin), password, draft.

    "Draft" and "scheduled" only show to those who list such a video (its owners, the site's administrators).
    """
    badges: dict[int, list[Badge]] = {}
    translate = request.localizer.translate
    ids = [v.id for v in videos]
    captioned = set(
        request.dbsession.scalars(
            select(Track.video_id)
            .where(
                Track.video_id.in_(ids),
                Track.kind.in_(("subtitles", "captions")),
                Track.plugin.in_(active_plugins(request)),
            )
            .distinct()
        )
    )
    now = utcnow()
    for video in videos:
        found = []
        if video.id in captioned:
            found.append(Badge(translate(_("Captions")), "captions"))
        if video.access == "password":
            found.append(Badge(translate(_("Password")), "password"))
        elif video.access == "draft":
            found.append(Badge(translate(_("Draft")), "draft"))
        if video.publish_at is not None and video.publish_at > now:
            found.append(Badge(translate(_("Scheduled")), "scheduled"))
        if found:
            badges[video.id] = found
    return badges


def card_badges(request, videos) -> dict[int, list[Badge]]:
    """The core's badges then the plugins' (``amphi_video_badges``) of a list of videos."""
    videos = list(videos)
    if not videos:
        return {}
    badges = core_badges(request, videos)
    for video_id, items in video_badges(request, videos).items():
        badges.setdefault(video_id, []).extend(items)
    return badges


def card_globals(request) -> dict:
    """The helpers ``_cards.html`` calls (added to every template's globals)."""
    images = CardImages(request)
    return {
        "card_image": images.url,
        "published_on": lambda video: published_on(request, video),
        "video_views": lambda videos: video_views(request, videos),
        "card_badges": lambda videos: card_badges(request, videos),
        "number": lambda value: _local_number(value, request.locale_name),
    }

"""What every template sees: the site, the user, the navigation, the CSRF token."""

from __future__ import annotations

from pyramid.csrf import get_csrf_token

from core.i18n import LANGUAGES
from core.sites import site_or_none
from core.ui import nav_items, video_badges


def template_globals(request) -> dict:
    site = site_or_none(request)
    return {
        "site": site,
        "user": request.user if site is not None else None,
        "nav_items": nav_items(request) if site is not None else [],
        "csrf_token": get_csrf_token(request),
        "languages": LANGUAGES,
        "locale": request.locale_name,
        # Listings call it once per page: ``{% set badges = video_badges(videos) %}``.
        "video_badges": (lambda videos: video_badges(request, videos)) if site is not None else (lambda videos: {}),
    }


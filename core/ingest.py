"""Creating videos: the one path every ingest (upload, studio, recorder, BBB) goes through."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select

from core.models import Video


def slugify(text: str, max_length: int = 100) -> str:
    """``Cours d'Économie 1`` -> ``cours-d-economie-1`` (never empty)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_length].strip("-")
    return slug or "video"


def unique_slug(dbsession, site_id: int, title: str) -> str:
    base = slugify(title)
    taken = set(dbsession.scalars(
        select(Video.slug).where(Video.site_id == site_id, Video.slug.startswith(base))
    ))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_video(request, owner, title: str, **fields) -> Video:
    """Create a video of the request's site for ``owner`` and fire ``amphi_video_created``."""
    title = title.strip() or "Untitled"
    video = Video(site_id=request.site.id, owner_id=owner.id, title=title[:250],
                  slug=unique_slug(request.dbsession, request.site.id, title), **fields)
    request.dbsession.add(video)
    request.dbsession.flush()
    request.hooks.amphi_video_created(request=request, video=video)
    return video

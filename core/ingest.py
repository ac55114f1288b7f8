"""Creating videos: the one path every ingest (upload, studio, recorder, BBB) goes through."""

from __future__ import annotations

import os
import re
import unicodedata

from sqlalchemy import select

from core.models import MediaFile, Video
from core.storage import source_key

LEADING_TRAVERSAL = re.compile(r"^(?:\.{1,2}[/\\])+|^/+")


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


def title_from_filename(filename: str) -> str:
    """A title from a file name: no extension, no leading ``../``, no Windows folders.

    ``../../Cours 1.MP4`` -> ``Cours 1``; ``C:\\Users\\ana\\td.mp4`` -> ``td``. The name is only
    ever text (keys are built from ids), so ``<script>.mp4`` stays ``<script>``, shown escaped.
    """
    name = LEADING_TRAVERSAL.sub("", (filename or "").strip()).rsplit("\\", 1)[-1]
    stem = os.path.splitext(name)[0].strip()
    return stem or "Untitled"


def ingest_stored_file(request, owner, stored_key: str, filename: str, title: str = "", **fields) -> Video:
    """Turn a file already in storage into a video of the request's site, and queue its encoding.

    The file is moved to the video's own key (the original is kept there, whatever
    happens to the encoding); the video starts ``uploaded`` with an ``encode`` job.
    """
    from core.pipeline import queue_job

    video = create_video(request, owner, title or title_from_filename(filename), status="uploaded", **fields)
    storage = request.storage
    key = source_key(video)
    storage.move(stored_key, key)
    request.dbsession.add(MediaFile(video_id=video.id, kind="source", key=key, size=storage.size(key),
                                    mime="application/octet-stream", rendition=os.path.splitext(filename)[1][:32].lower()))
    queue_job(request, video, "encode")
    return video


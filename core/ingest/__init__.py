"""Creating videos: the one path every ingest (upload, studio, recorder, BBB) goes through."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from core.models import ACCESS_LEVELS, LICENSES, ORIGINAL_KINDS, MediaFile, Upload, Video
from core.pipeline import queue_job
from core.pipeline.media import DEFAULT_LAYOUT, LAYOUTS
from core.pipeline.storage import source_key, video_prefix
from core.platform.i18n import _
from core.platform.markup import slugify
from core.platform.plugins import fire
from core.platform.sites import upload_limits

LEADING_TRAVERSAL = re.compile(r"^(?:\.{1,2}[/\\])+|^/+")


def unique_slug(dbsession, site_id: int, title: str) -> str:
    base = slugify(title)
    taken = set(dbsession.scalars(select(Video.slug).where(Video.site_id == site_id, Video.slug.startswith(base))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_video(request, owner, title: str, **fields) -> Video:
    """Create a video of the request's site for ``owner`` and fire ``amphi_video_created``."""
    title = title.strip() or "Untitled"
    video = Video(
        site_id=request.site.id,
        owner_id=owner.id,
        title=title[:250],
        slug=unique_slug(request.dbsession, request.site.id, title),
        **fields,
    )
    request.dbsession.add(video)
    request.dbsession.flush()
    fire(request, "amphi_video_created", video=video)
    return video


# --- the storage quota of each user -----------------------------------------------------------------

#: The media files that count against their owner's quota: the originals kept (the renditions are free).


class QuotaExceeded(Exception):
    """Storing ``length`` more bytes would take ``owner`` past the site's quota (answered with 413)."""

    def __init__(self, quota: int):
        self.quota = quota
        self.message = _(
            "This file would exceed your storage quota (${quota} MB).", mapping={"quota": quota // 1_000_000}
        )
        super().__init__(f"This file would exceed its owner's storage quota ({quota // 1_000_000} MB).")


def used_bytes(dbsession, site_id: int, user_id: int, exclude_upload: str | None = None) -> int:
    """What a user stores on a site: the originals of the videos they own plus their uploads in progress."""
    stored = dbsession.scalar(
        select(func.coalesce(func.sum(MediaFile.size), 0))
        .join(Video)
        .where(Video.site_id == site_id, Video.owner_id == user_id, MediaFile.kind.in_(ORIGINAL_KINDS))
    )
    pending = dbsession.scalar(
        select(func.coalesce(func.sum(func.coalesce(Upload.length, Upload.offset)), 0)).where(
            Upload.site_id == site_id,
            Upload.user_id == user_id,
            Upload.video_id.is_(None),
            Upload.id != (exclude_upload or ""),
        )
    )
    return int(stored) + int(pending)


def check_quota(request, owner, length: int, exclude_upload: str | None = None) -> None:
    """Raise :class:`QuotaExceeded` when ``length`` more bytes would take ``owner`` past the site's quota.

    The one rule for every way in (tus uploads, ingests, recorders): the user charged is the
    one the video belongs to.
    """
    _maximum, quota = upload_limits(request.registry.settings, request.site)
    if quota and used_bytes(request.dbsession, request.site.id, owner.id, exclude_upload) + length > quota:
        raise QuotaExceeded(quota)


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
    video = create_video(request, owner, title or title_from_filename(filename), status="uploaded", **fields)
    queue_job(request, video, "encode")
    # The file moves last: a step that fails before leaves it where it was, for the client's retry.
    keep_file(request, video, IngestTrack(stored_key, filename=filename), source_key(video), "source")
    return video


# --- several files, a composition -------------------------------------------------------------------

#: The metadata :func:`ingest_files` applies to the video; other keys are left to the plugins.
VIDEO_FIELDS = ("title", "description", "language", "date_recorded", "access", "license", "allow_downloads")


@dataclass(frozen=True)
class IngestTrack:
    """A source file already in storage, with its Opencast-like flavor (``presenter/source``...)."""

    key: str
    flavor: str = "presenter/source"
    filename: str = ""
    mime: str = ""


@dataclass(frozen=True)
class Trims:
    """The part of the recording to keep, in seconds (``None``: from the start, to the end)."""

    start: float | None = None
    end: float | None = None

    def __post_init__(self):
        if self.start is not None and self.start < 0 or self.end is not None and self.end <= (self.start or 0):
            raise ValueError(f"bad trims {self.start!r}..{self.end!r}")

    @property
    def cuts(self) -> bool:
        return bool(self.start) or self.end is not None


def video_fields(metadata: dict) -> dict:
    """The keys of ``metadata`` that are columns of a video, cleaned (too long text is cut)."""
    fields = {name: metadata[name] for name in VIDEO_FIELDS if metadata.get(name) not in (None, "")}
    if "description" in fields:
        fields["description"] = str(fields["description"])[:20000]
    if "language" in fields:
        fields["language"] = str(fields["language"])[:10]
    if fields.get("access") not in (None, *ACCESS_LEVELS) or fields.get("license") not in (None, *LICENSES):
        raise ValueError(f"unknown access level or licence in {fields!r}")
    if isinstance(fields.get("date_recorded"), str):
        try:
            fields["date_recorded"] = date.fromisoformat(fields["date_recorded"][:10])
        except ValueError:
            del fields["date_recorded"]
    return fields


def ingest_files(
    request, owner, tracks: list[IngestTrack], metadata: dict, trims: Trims | None = None, layout: str | None = None
) -> Video:
    """Make a video of the request's site for ``owner`` from stored files, then process it.

    One track without trims goes to the ``encode`` job as it is. Several tracks (or trims)
    first go through a ``compose`` job in the worker, which calls ``amphi_compose`` with
    ``layout`` (one of :data:`LAYOUTS`) and queues the encode. The files are moved under
    the video's own keys and kept (media files of kind ``source``, or ``recording`` each).
    ``metadata`` gives the title and the :data:`VIDEO_FIELDS`. Raises :class:`QuotaExceeded`
    (nothing created, the files left where they are) when they would take ``owner`` past the quota.
    """
    tracks = list(tracks)
    if not tracks:
        raise ValueError("ingest_files needs at least one track")
    check_quota(request, owner, sum(request.storage.size(track.key) for track in tracks))
    fields = video_fields(metadata)
    title = str(fields.pop("title", "") or title_from_filename(tracks[0].filename))
    video = create_video(request, owner, title, status="uploaded", **fields)
    if len(tracks) == 1 and not (trims and trims.cuts):
        keep_file(request, video, tracks[0], source_key(video), "source")
        queue_job(request, video, "encode")
        return video
    for number, track in enumerate(tracks):
        keep_file(request, video, track, f"{video_prefix(video)}/recordings/{number}", "recording")
    chosen = layout if layout in LAYOUTS else DEFAULT_LAYOUT
    cut = [trims.start, trims.end] if trims and trims.cuts else None
    queue_job(request, video, "compose", params={"layout": chosen, "trims": cut})
    return video


def keep_file(request, video: Video, track: IngestTrack, key: str, kind: str) -> MediaFile:
    """Move a stored file under ``key`` and record it as a media file of ``video``."""
    storage = request.storage
    storage.move(track.key, key)
    rendition = track.flavor if kind == "recording" else os.path.splitext(track.filename)[1].lower()
    media = MediaFile(
        video_id=video.id,
        kind=kind,
        key=key,
        size=storage.size(key),
        mime=(track.mime or "application/octet-stream")[:100],
        rendition=rendition[:32],
    )
    request.dbsession.add(media)
    return media


def includeme(config):
    config.include("core.ingest.tus")

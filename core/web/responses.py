"""Answers made of stored bytes, for the core's media views and plugins' (an enrichment's file...).

In production nginx sends the bytes (X-Accel-Redirect), or the viewer is redirected to a short-lived URL
of the store (a presigned URL: ``redirect_url``), once the access check passed; on the embedded default
they are streamed with range requests.
"""

from __future__ import annotations

import mimetypes

from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.response import FileIter, Response

from core.models import Video
from core.pipeline.media import MEDIA_TYPES


def serve_key(request, key: str, public: bool) -> Response:
    """Answer with the bytes of ``key``: X-Accel-Redirect for nginx, or streamed with ranges."""
    storage = request.storage
    if not storage.exists(key):
        raise HTTPNotFound()
    extension = "." + key.rsplit(".", 1)[-1] if "." in key.rsplit("/", 1)[-1] else ""
    content_type = MEDIA_TYPES.get(extension) or mimetypes.guess_type(key)[0] or "application/octet-stream"
    cache = "public, max-age=3600" if public else "private, max-age=3600"
    accel = storage.accel_path(key)
    redirect = getattr(storage, "redirect_url", None)
    target = None if accel else redirect(key) if redirect else None
    if target:  # the URL lives a few minutes: neither the redirect nor its target may be kept longer
        response = HTTPFound(location=target)
        cache = "private, no-store"
    elif accel:
        response = Response(content_type=content_type, headerlist=[("X-Accel-Redirect", accel)])
    else:
        handle = storage.open(key)
        response = Response(
            content_type=content_type,
            app_iter=FileIter(handle),
            conditional_response=True,
            content_length=storage.size(key),
        )
        response.accept_ranges = "bytes"
    response.cache_control = cache
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def shared_cache_may_keep(video: Video) -> bool:
    """Shared caches may keep only what anyone may fetch (not a video still waiting for its date)."""
    return video.access == "public" and video.is_published()

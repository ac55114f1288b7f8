"""Finding a video of the request's site, and refusing it to those who may not see it."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound

from core.models import Video
from core.security import video_permits


def get_site_video(request, video_id, options=()) -> Video:
    """The video with this id on the request's site, else 404 (never another site's).

    ``options``: loader options for what the caller will show (``joinedload(Video.owner)``...).
    """
    video = request.dbsession.get(Video, int(video_id), options=options)
    if video is None or video.site_id != request.site.id:
        raise HTTPNotFound()
    return video


def require_video(request, permission: str = "view") -> Video:
    video = get_site_video(request, request.matchdict["video_id"])
    if not video_permits(request, video, permission):
        # An unpublished video's existence is nobody else's business.
        hidden = video.access == "draft" or video.status != "ready" or not video.is_published()
        raise HTTPNotFound() if hidden else HTTPForbidden()
    return video

"""Who sees which statistics."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound

from core.models import Video
from core.plugin_api import video_permits


def may_see_video_stats(request, video: Video) -> bool:
    """A video's owners and the site's admins, unless a plugin denies them editing it.

    Editing rights a plugin grants to others (``amphi_permits``) do not open the statistics:
    they say who watched what, which only owners and admins need.
    """
    user = request.user
    if user is None or video.site_id != request.site.id or user.site_id != request.site.id:
        return False
    return (user.is_admin or video.is_owned_by(user)) and video_permits(request, video, "edit")


def video_for_stats(request) -> Video:
    """The route's video if the request may see its statistics; 404 when the video is not visible either."""
    video = request.dbsession.get(Video, int(request.matchdict["video_id"]))
    if video is None or video.site_id != request.site.id:
        raise HTTPNotFound()
    if not may_see_video_stats(request, video):
        raise HTTPForbidden() if video_permits(request, video, "view") else HTTPNotFound()
    return video

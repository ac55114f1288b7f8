"""Finding a video, a user or a group of the request's site (never another site's), and refusing a video
to those who may not see it."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPConflict, HTTPForbidden, HTTPNotFound

from core.access.groups import LOCAL
from core.access.security import video_permits
from core.models import Group, User, Video


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


def site_user(request) -> User:
    """The user ``user_id`` of the route on the request's site, else 404."""
    user = request.dbsession.get(User, int(request.matchdict["user_id"]))
    if user is None or user.site_id != request.site.id:
        raise HTTPNotFound()
    return user


def site_group(request, local: bool = False) -> Group:
    """The group ``group_id`` of the route on the request's site, else 404; ``local``: 409 for a group
    kept by the sign-in rules or a plugin, which is changed there."""
    group = request.dbsession.get(Group, int(request.matchdict["group_id"]))
    if group is None or group.site_id != request.site.id:
        raise HTTPNotFound()
    if local and group.source != LOCAL:
        raise HTTPConflict(
            request.translate("This group is managed by ${source}; change it there.", source=group.source)
        )
    return group

"""Listing videos a request may see: always scoped to the request's site."""

from __future__ import annotations

from sqlalchemy import Select, exists, false, or_, select, true

from core.models import Group, Video, utcnow, video_groups, video_owners
from core.security import user_group_names


def visible_videos(request) -> Select:
    """A query of the site's videos the request's user may find in lists.

    Mirrors :func:`core.security.core_video_rule`: owners and site admins see
    everything of theirs; others see ready videos whose publication date has
    come and whose access level lets them in. Password-protected videos are
    listed (their page and media stay locked until the password is given);
    share links open a video but never list it.
    """
    user = request.user
    if user is not None and user.site_id != request.site.id:
        user = None
    query = select(Video).where(Video.site_id == request.site.id)
    if user is not None and user.is_admin:
        return query
    published = (Video.status == "ready") & or_(Video.publish_at.is_(None), Video.publish_at <= utcnow())
    rules = [Video.access.in_(("public", "password"))]
    if user is not None:
        rules.append(Video.access == "signed-in")
        groups = user_group_names(request, user)
        if groups:
            rules.append((Video.access == "groups") & exists(
                select(video_groups.c.video_id)
                .join(Group, Group.id == video_groups.c.group_id)
                .where(video_groups.c.video_id == Video.id, Group.name.in_(groups))
            ))
    mine = false()
    if user is not None:
        mine = or_(Video.owner_id == user.id, exists(
            select(video_owners.c.video_id).where(video_owners.c.video_id == Video.id, video_owners.c.user_id == user.id)
        ))
    return query.where(or_(mine, published & or_(*rules) if rules else true()))


def list_visible(request, limit: int = 24, offset: int = 0) -> list[Video]:
    """Visible videos, newest first, without those a plugin denies."""
    query = visible_videos(request).order_by(Video.created_at.desc(), Video.id.desc()).limit(limit).offset(offset)
    videos = request.dbsession.scalars(query).all()
    return [v for v in videos if False not in request.hooks.amphi_permits(request=request, video=v, permission="view")]

"""The REST API (JSON). CSRF applies to unsafe methods: send ``X-CSRF-Token``."""

from __future__ import annotations

from pyramid.view import view_config

from core.access.security import video_permits
from core.catalogue.channels import shown_channels, shown_themes
from core.catalogue.listing import list_visible
from core.catalogue.lookup import require_video
from core.web.inputs import int_param


def video_json(request, video) -> dict:
    """A video as the API shows it; a listed video the caller may not watch yet (a password
    to give) shows its title only, with ``locked``."""
    summary = {
        "id": video.id,
        "title": video.title,
        "slug": video.slug,
        "access": video.access,
        "owner": video.owner.username,
        "url": request.route_url("video", video_id=video.id),
        "locked": not video_permits(request, video, "view"),
    }
    if summary["locked"]:
        return summary
    return {
        **summary,
        "description": video.description,
        "language": video.language,
        "status": video.status,
        "duration": video.duration,
        "created_at": video.created_at.isoformat(),
        "publish_at": video.publish_at.isoformat() if video.publish_at else None,
        "type": video.type.slug if video.type else None,
        "disciplines": [d.slug for d in video.disciplines],
        "tags": [t.name for t in video.tags],
        "license": video.license,
        "date_recorded": video.date_recorded.isoformat() if video.date_recorded else None,
        "channels": [c.slug for c in shown_channels(request, video)],
        "themes": [
            {"id": t.id, "channel": t.channel.slug, "slug": t.slug, "title": t.title}
            for t in shown_themes(request, video)
        ],
    }


@view_config(route_name="api.me", renderer="json")
def me(request):
    user = request.user
    if user is None:
        return {"authenticated": False}
    return {
        "authenticated": True,
        "username": user.username,
        "display_name": user.name,
        "email": user.email,
        "role": user.role,
        "site": request.site.slug,
    }


@view_config(route_name="api.videos", renderer="json", request_method="GET")
def videos(request):
    limit = int_param(request, "limit", 20, minimum=1, maximum=100)
    offset = int_param(request, "offset", 0)
    items = list_visible(request, limit=limit, offset=offset)
    return {"items": [video_json(request, v) for v in items], "limit": limit, "offset": offset}


@view_config(route_name="api.video", renderer="json", request_method="GET")
def video(request):
    return video_json(request, require_video(request))

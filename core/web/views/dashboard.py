"""Bulk actions of the owner's dashboard ("My videos"): change access, add to or remove from a channel,
delete (after a confirmation)."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPBadRequest, HTTPFound
from pyramid.renderers import render_to_response
from pyramid.view import view_config
from sqlalchemy import select

from core.access.security import video_permits
from core.catalogue.channels import add_to_channel, addable_channels, remove_from_channel
from core.catalogue.metadata import BULK_ACCESS, set_access
from core.catalogue.videos import delete_video
from core.models import Video
from core.platform.errors import ValidationError
from core.platform.plugins import fire
from core.web.inputs import whole_number

MAX_BULK = 500


def chosen_videos(request) -> list[Video]:
    """The ticked videos of this site, in the order of the page."""
    try:
        ids = [whole_number(v, "video") for v in request.POST.getall("video")][:MAX_BULK]
    except ValidationError:
        raise HTTPBadRequest(request.translate("Unknown video.")) from None
    if not ids:
        raise HTTPBadRequest(request.translate("Tick at least one video."))
    query = select(Video).where(Video.site_id == request.site.id, Video.id.in_(ids)).order_by(Video.id.desc())
    return request.dbsession.scalars(query).all()


def back(request, **counts):
    return HTTPFound(request.route_url("my.videos", _query={k: v for k, v in counts.items()}))


@view_config(route_name="my.videos.bulk", request_method="POST", permission="authenticated")
def bulk(request):
    action = request.POST.get("action", "")
    videos = chosen_videos(request)
    if action == "delete":
        return confirm_or_delete(request, videos)
    if action.startswith(("channel-add:", "channel-remove:")):
        return change_channel(request, videos, action)
    level = action.removeprefix("access:")
    if not action.startswith("access:") or level not in BULK_ACCESS:
        raise HTTPBadRequest(request.translate("Choose an action."))
    editable = [v for v in videos if video_permits(request, v, "edit")]
    for video in editable:
        set_access(video, level)
        fire(request, "amphi_video_changed", video=video)
    return back(request, changed=len(editable), skipped=len(videos) - len(editable))


def change_channel(request, videos: list[Video], action: str):
    """Add the videos to a channel the user may add to (or take them out of it)."""
    verb, _sep, channel_id = action.partition(":")
    channel = next((c for c in addable_channels(request) if str(c.id) == channel_id), None)
    if channel is None:
        raise HTTPBadRequest(request.translate("Choose an action."))
    editable = [v for v in videos if video_permits(request, v, "edit")]
    for video in editable:
        (add_to_channel if verb == "channel-add" else remove_from_channel)(video, channel)
        fire(request, "amphi_video_changed", video=video)
    counts = {"added" if verb == "channel-add" else "removed": len(editable)}
    return back(request, **counts, skipped=len(videos) - len(editable))


def confirm_or_delete(request, videos: list[Video]):
    deletable = [v for v in videos if video_permits(request, v, "delete")]
    if request.POST.get("confirm") != "yes":
        return render_to_response(
            "my_videos_delete.html", {"videos": deletable, "skipped": len(videos) - len(deletable)}, request=request
        )
    for video in deletable:
        delete_video(request, video)
    return back(request, deleted=len(deletable), skipped=len(videos) - len(deletable))

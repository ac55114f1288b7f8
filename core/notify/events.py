"""The core's own notifications: a video ready or failed (to its owners), a video shared with a new owner.

This module is registered on the plugin manager like a plugin (see :func:`core.notify.includeme`): no
site turns it off. Its kinds come through ``amphi_notification_kinds`` as a plugin's would.
"""

from __future__ import annotations

from collections.abc import Iterable

from core import hookimpl
from core.models import User, Video
from core.notify.kinds import NotificationKind
from core.notify.service import notify
from core.platform.i18n import _

READY, FAILED, SHARED = "video.ready", "video.failed", "video.shared"


@hookimpl
def amphi_notification_kinds(request) -> list[NotificationKind]:
    return [
        NotificationKind(READY, _("A video of mine is ready"), _("Its processing finished: it can be watched.")),
        NotificationKind(FAILED, _("A video of mine could not be processed"), _("The reason is on its page.")),
        NotificationKind(SHARED, _("A video is shared with me"), _("Someone made me one of a video's owners.")),
    ]


def owners(video: Video) -> list[User]:
    people = [video.owner, *video.additional_owners]
    return [p for n, p in enumerate(people) if p is not None and p not in people[:n]]


@hookimpl
def amphi_video_ready(request, video_id: int) -> None:
    video = request.dbsession.get(Video, video_id)
    if video is None:
        return
    title = _("Your video “${title}” is ready", mapping={"title": video.title})
    text = _("“${title}” finished processing and can be watched.", mapping={"title": video.title})
    for owner in owners(video):
        notify(request, owner, READY, title, request.route_path("video", video_id=video.id), text, video_id=video.id)


@hookimpl
def amphi_video_failed(request, video_id: int, reason: str) -> None:
    video = request.dbsession.get(Video, video_id)
    if video is None:
        return
    title = _("Your video “${title}” could not be processed", mapping={"title": video.title})
    text = _("Processing “${title}” failed. The reason is shown on its page.", mapping={"title": video.title})
    link = request.route_path("video", video_id=video.id)
    for owner in owners(video):
        notify(request, owner, FAILED, title, link, text, video_id=video.id)


def video_shared(request, video: Video, added: Iterable[User]) -> None:
    """Tell each user in ``added`` (new additional owners, not the one making the change) of the video."""
    by = request.user
    mapping = {"title": video.title, "name": by.name if by is not None else ""}
    title = (
        _("${name} made you an owner of “${title}”", mapping=mapping)
        if by is not None
        else _("You are now an owner of “${title}”", mapping=mapping)
    )
    text = _("You may now edit “${title}” and see it wherever its owners can.", mapping=mapping)
    for user in added:
        if by is None or user.id != by.id:
            notify(
                request, user, SHARED, title, request.route_path("video", video_id=video.id), text, video_id=video.id
            )

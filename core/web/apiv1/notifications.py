"""``/api/v1/notifications``: the caller's own notifications on this site, the unread count, marking read."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from core.models import Notification
from core.notify.service import listed, mark_all_read, mark_read, unread_count
from core.notify.tasks import absolute
from core.web.apiv1.common import paginated


def notification_json(request, notification: Notification) -> dict:
    return {
        "id": notification.id,
        "kind": notification.kind,
        "title": notification.title,
        "text": notification.text,
        "link": absolute(request.host_url, notification.link),
        "created_at": notification.created_at.isoformat(),
        "read_at": notification.read_at.isoformat() if notification.read_at else None,
    }


@view_config(route_name="v1.notifications", renderer="json", request_method="GET", permission="authenticated")
def notifications(request):
    page = paginated(request, listed(request, request.user), notification_json)
    return {**page, "unread": unread_count(request, request.user)}


@view_config(route_name="v1.notification.read", renderer="json", request_method="POST", permission="authenticated")
def read_one(request):
    found = mark_read(request, request.user, int(request.matchdict["notification_id"]))
    if found is None:
        raise HTTPNotFound()
    return notification_json(request, found)


@view_config(route_name="v1.notifications.read", renderer="json", request_method="POST", permission="authenticated")
def read_all(request):
    marked = mark_all_read(request, request.user)
    return {"marked": marked, "unread": 0}

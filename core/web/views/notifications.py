"""The signed-in user's notifications: the list (newest first, paged), marking read, and their preferences."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from core.notify.service import listed, mark_all_read, mark_read, preferences, set_preferences, unread_count
from core.web.inputs import whole_number
from core.web.views.paging import page_number

PER_PAGE = 20


@view_config(
    route_name="notifications", renderer="notifications.html", permission="authenticated", request_method="GET"
)
def notifications_page(request):
    page = page_number(request)
    query = listed(request, request.user).limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)
    rows = list(request.dbsession.scalars(query))

    def page_url(number: int) -> str:
        return request.route_url("notifications", _query={"page": number})

    return {
        "notifications": rows[:PER_PAGE],
        "unread": unread_count(request, request.user),
        "next_url": page_url(page + 1) if len(rows) > PER_PAGE else None,
        "previous_url": page_url(page - 1) if page > 1 else None,
        "done": request.GET.get("done", ""),
    }


def back(request, done: str):
    """To the list, the page it was on kept (a positive whole number only)."""
    query: dict = {"done": done}
    page = request.POST.get("page", "")
    if page.isdigit() and int(page) > 1:
        query["page"] = whole_number(page, "page", 1, 1_000_000)
    return HTTPSeeOther(request.route_url("notifications", _query=query))


@view_config(route_name="notifications.read", permission="authenticated", request_method="POST")
def read_one(request):
    if mark_read(request, request.user, int(request.matchdict["notification_id"])) is None:
        raise HTTPNotFound()
    return back(request, "read")


@view_config(route_name="notifications.read_all", permission="authenticated", request_method="POST")
def read_all(request):
    mark_all_read(request, request.user)
    return back(request, "all")


@view_config(
    route_name="notifications.preferences",
    renderer="notifications_preferences.html",
    permission="authenticated",
)
def preferences_page(request):
    if request.method == "POST":
        choices = {
            kind.name: (f"{kind.name}:in_app" in request.POST, f"{kind.name}:email" in request.POST)
            for kind, _in_app, _email in preferences(request, request.user)
        }
        set_preferences(request, request.user, choices)
        return HTTPSeeOther(request.route_url("notifications.preferences", _query={"saved": 1}))
    return {
        "rows": preferences(request, request.user),
        "saved": "saved" in request.GET,
        "has_email": bool(request.user.email),
    }

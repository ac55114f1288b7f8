"""Keeping channels: site admins create and delete them; managers edit theirs, its banner and themes.
And the home page's blocks (site admins)."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPBadRequest, HTTPForbidden, HTTPFound, HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render
from pyramid.response import Response
from pyramid.view import view_config

from core.access.groups import site_groups
from core.catalogue.channel_forms import (
    ChannelForm,
    ThemeForm,
    apply_channel,
    apply_theme,
    delete_channel,
    delete_theme,
    lock_themes,
    move_channel,
    move_theme,
    ordered_channels,
    remove_banner,
    save_banner,
    sibling_themes,
)
from core.catalogue.channels import get_channel, get_theme, is_admin, theme_tree
from core.catalogue.home import MAX_BLOCKS, available_blocks, chosen_blocks, set_home_blocks
from core.models import Channel, Theme
from core.platform.errors import ValidationError
from core.platform.i18n import _, translate_errors
from core.platform.ordering import step

VISIBILITY_LABELS = {
    "public": _("Public: anyone"),
    "signed-in": _("Signed-in users of this site"),
    "groups": _("Members of chosen groups (below), its managers and the site administrators"),
    "hidden": _("Hidden: its managers and the site administrators only (a draft)"),
}
#: The header reorder.js sends: the answer is the reordered list alone, not a whole page.
FRAGMENT_HEADER = "X-Amphi-Fragment"


# --- the site's channels (site admins) ----------------------------------------------------


def moved_news(request, rows: list) -> dict:
    """After a move without the script (``?moved=<id>&to=up``): what the live region says, and which
    button gets the focus back (the same direction, or the other one at either end)."""
    moved, to = request.params.get("moved", ""), request.params.get("to", "")
    index = next((n for n, row in enumerate(rows) if str(row.id) == moved), None)
    if index is None:
        return {"message": "", "focus": ""}
    return {
        "message": moved_message(request, rows[index].title, index, len(rows)),
        "focus": focus_key(to, index, len(rows), rows[index].id),
    }


def moved_message(request, title: str, index: int, count: int) -> str:
    return request.localizer.translate(
        _(
            "“${title}” moved to position ${position} of ${count}.",
            mapping={"title": title, "position": index + 1, "count": count},
        )
    )


def focus_key(to: str, index: int, count: int, row_id: int) -> str:
    """The ``data-focus`` of the button that keeps the focus after a move (None of them for a lone row)."""
    if count < 2:
        return ""
    direction = to if to in ("up", "down") else "up"
    if direction == "up" and index == 0:
        direction = "down"
    elif direction == "down" and index == count - 1:
        direction = "up"
    return f"{direction}-{row_id}"


def channels_values(request, form=None, errors=None) -> dict:
    rows = ordered_channels(request)
    return {
        "channels": rows,
        "form": form or ChannelForm(),
        "groups": site_groups(request.dbsession, request.site.id),
        "errors": translate_errors(request, errors),
        "visibilities": VISIBILITY_LABELS,
        "deleted": request.params.get("deleted"),
        "news": moved_news(request, rows),
    }


@view_config(route_name="admin.channels", renderer="admin/channels.html", permission="site-admin", request_method="GET")
def channels_page(request):
    return channels_values(request)


@view_config(
    route_name="admin.channels", renderer="admin/channels.html", permission="site-admin", request_method="POST"
)
def create_channel(request):
    form = ChannelForm.from_post(request.POST)
    try:
        channel = apply_channel(request, Channel(), form, admin=True)
    except ValidationError as exc:
        request.response.status = 400
        return channels_values(request, form, exc.errors)
    return HTTPFound(request.route_url("channel.edit", channel=channel.slug, _query={"saved": 1}))


def target_index(request, current: int) -> int:
    index = step(request.POST.get("to", ""), current)
    if index is None:
        raise HTTPBadRequest(request.translate(_("Say where to move it: up, down or a position.")))
    return index


def reordered(request, template: str, values: dict, title: str, landed: int, count: int) -> Response:
    """The reordered list alone (``template``), for reorder.js: its news in ``data-message``."""
    news = {"message": moved_message(request, title, landed, count), "focus": ""}
    html = render(template, {**values, "news": news}, request=request)
    return Response(html, content_type="text/html", charset="utf-8")


@view_config(route_name="admin.channels.move", permission="site-admin", request_method="POST")
def move_channel_view(request):
    """Move a channel up, down or to a position (from 0) in the site's order."""
    rows = ordered_channels(request, lock=True)  # "up" and "down" count from the order as it stands now
    channel = next((c for c in rows if str(c.id) == request.matchdict["channel_id"]), None)
    if channel is None:
        raise HTTPNotFound()
    to = request.POST.get("to", "")
    landed, count = move_channel(request, channel, target_index(request, rows.index(channel)))
    if request.headers.get(FRAGMENT_HEADER):
        return reordered(
            request,
            "_channel_order.html",
            {"channels": ordered_channels(request), "visibilities": VISIBILITY_LABELS},
            channel.title,
            landed,
            count,
        )
    # No #fragment: a page with a target element ignores autofocus, and the moved row's button is focused.
    return HTTPSeeOther(request.route_url("admin.channels", _query={"moved": channel.id, "to": to}))


# --- one channel (its managers and the site admins) ----------------------------------------


def theme_news(request, channel: Channel) -> dict:
    moved = next((t for t in channel.themes if str(t.id) == request.params.get("moved", "")), None)
    return moved_news(request, sibling_themes(channel, moved.parent)) if moved else {"message": "", "focus": ""}


def edit_values(request, channel: Channel, form=None, errors=None, theme_form=None) -> dict:
    return {
        "channel": channel,
        "form": form or ChannelForm.from_channel(channel),
        "theme_form": theme_form or ThemeForm(),
        "tree": theme_tree(channel),
        "groups": site_groups(request.dbsession, request.site.id),
        "errors": translate_errors(request, errors),
        "visibilities": VISIBILITY_LABELS,
        "admin": is_admin(request),
        "saved": "saved" in request.params,
        "news": theme_news(request, channel),
    }


@view_config(route_name="channel.edit", renderer="channel_edit.html", request_method="GET")
def edit_channel_page(request):
    return edit_values(request, get_channel(request, request.matchdict["channel"], manage=True))


@view_config(route_name="channel.edit", renderer="channel_edit.html", request_method="POST")
def edit_channel(request):
    channel = get_channel(request, request.matchdict["channel"], manage=True)
    action = request.POST.get("action", "save")
    form = theme_form = None
    try:
        if action == "save":
            form = ChannelForm.from_post(request.POST)
            apply_channel(request, channel, form, admin=is_admin(request))
        elif action == "banner":
            save_banner(request, channel, request.POST.get("banner"))
        elif action == "remove-banner":
            remove_banner(request, channel)
        elif action == "add-theme":
            theme_form = ThemeForm.from_post(request.POST)
            apply_theme(request, channel, Theme(), theme_form)
        else:
            raise HTTPBadRequest(request.translate("Unknown change."))
    except ValidationError as exc:
        request.response.status = 400
        errors = {(f"theme-{k}" if action == "add-theme" else k): v for k, v in exc.errors.items()}
        return edit_values(request, channel, form, errors, theme_form)
    return HTTPFound(request.route_url("channel.edit", channel=channel.slug, _query={"saved": 1}))


@view_config(route_name="channel.delete", renderer="channel_delete.html", request_method="GET")
def confirm_delete(request):
    channel = get_channel(request, request.matchdict["channel"], manage=True)
    if not is_admin(request):
        raise HTTPForbidden()
    return {"channel": channel}


@view_config(route_name="channel.delete", request_method="POST")
def remove_channel(request):
    channel = get_channel(request, request.matchdict["channel"], manage=True)
    if not is_admin(request):
        raise HTTPForbidden()
    title = channel.title
    delete_channel(request, channel)
    return HTTPFound(request.route_url("admin.channels", _query={"deleted": title}))


# --- a theme -----------------------------------------------------------------------------


def theme_values(request, channel, theme, form=None, errors=None) -> dict:
    return {
        "channel": channel,
        "theme": theme,
        "form": form or ThemeForm.from_theme(theme),
        "parents": [t for t in channel.themes if t is not theme],
        "errors": translate_errors(request, errors),
    }


@view_config(route_name="channel.theme.edit", renderer="theme_edit.html", request_method="GET")
def edit_theme_page(request):
    channel = get_channel(request, request.matchdict["channel"], manage=True)
    return theme_values(request, channel, get_theme(channel, request.matchdict["theme"]))


@view_config(route_name="channel.theme.edit", renderer="theme_edit.html", request_method="POST")
def edit_theme(request):
    channel = get_channel(request, request.matchdict["channel"], manage=True)
    theme = get_theme(channel, request.matchdict["theme"])
    form = ThemeForm.from_post(request.POST)
    try:
        apply_theme(request, channel, theme, form)
    except ValidationError as exc:
        request.response.status = 400
        return theme_values(request, channel, theme, form, exc.errors)
    return HTTPFound(request.route_url("channel.edit", channel=channel.slug, _query={"saved": 1}))


@view_config(route_name="channel.theme.delete", request_method="POST")
def remove_theme(request):
    """Delete a theme and the themes under it; their videos stay in the channel."""
    channel = get_channel(request, request.matchdict["channel"], manage=True)
    delete_theme(request, get_theme(channel, request.matchdict["theme"]))
    return HTTPFound(request.route_url("channel.edit", channel=channel.slug, _query={"saved": 1}))


@view_config(route_name="channel.theme.move", request_method="POST")
def move_theme_view(request):
    """Move a theme up, down or to a position (from 0) among the themes beside it."""
    channel = get_channel(request, request.matchdict["channel"], manage=True)
    theme = get_theme(channel, request.matchdict["theme"])
    to = request.POST.get("to", "")
    lock_themes(request, channel)  # "up" and "down" count from the order as it stands now
    landed, count = move_theme(
        request, channel, theme, target_index(request, sibling_themes(channel, theme.parent).index(theme))
    )
    if request.headers.get(FRAGMENT_HEADER):
        return reordered(
            request, "_theme_order.html", {"channel": channel, "tree": theme_tree(channel)}, theme.title, landed, count
        )
    return HTTPSeeOther(request.route_url("channel.edit", channel=channel.slug, _query={"moved": theme.id, "to": to}))


# --- the home page (site admins) ------------------------------------------------------------


def home_values(request, chosen=None, errors=None) -> dict:
    choices = available_blocks(request)
    chosen = chosen if chosen is not None else chosen_blocks(request)
    slots = min(MAX_BLOCKS, len(choices))
    return {
        "choices": choices,
        "chosen": (chosen + [""] * slots)[:slots],
        "errors": translate_errors(request, errors),
        "saved": "saved" in request.params,
    }


@view_config(route_name="admin.home", renderer="admin/home.html", permission="site-admin", request_method="GET")
def home_page(request):
    return home_values(request)


@view_config(route_name="admin.home", renderer="admin/home.html", permission="site-admin", request_method="POST")
def save_home(request):
    wanted = [request.POST.get(f"block-{n}", "") for n in range(MAX_BLOCKS)]
    try:
        set_home_blocks(request, wanted)
    except ValidationError as exc:
        request.response.status = 400
        return home_values(request, wanted, exc.errors)
    return HTTPFound(request.route_url("admin.home", _query={"saved": 1}))

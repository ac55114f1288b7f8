"""Keeping channels: site admins create and delete them; managers edit theirs, its banner and themes.
And the home page's blocks (site admins)."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPBadRequest, HTTPForbidden, HTTPFound
from pyramid.view import view_config
from sqlalchemy import select

from core.channel_forms import (
    ChannelForm,
    ThemeForm,
    apply_channel,
    apply_theme,
    delete_channel,
    delete_theme,
    remove_banner,
    save_banner,
)
from core.channels import get_channel, get_theme, is_admin, theme_tree
from core.errors import ValidationError
from core.home import MAX_BLOCKS, available_blocks, chosen_blocks, set_home_blocks
from core.i18n import _
from core.models import Channel, Theme

VISIBILITY_LABELS = {
    "public": _("Public: anyone"),
    "signed-in": _("Signed-in users of this site"),
    "hidden": _("Hidden: its managers and the site administrators only (a draft)"),
}


def translated(request, errors: dict) -> dict:
    return {k: request.localizer.translate(v) for k, v in errors.items()}


# --- the site's channels (site admins) ----------------------------------------------------


def channels_values(request, form=None, errors=None) -> dict:
    query = select(Channel).where(Channel.site_id == request.site.id).order_by(Channel.position, Channel.title)
    return {"channels": request.dbsession.scalars(query).all(), "form": form or ChannelForm(),
            "errors": translated(request, errors or {}), "visibilities": VISIBILITY_LABELS,
            "deleted": request.params.get("deleted")}


@view_config(route_name="admin.channels", renderer="admin/channels.html", permission="site-admin",
             request_method="GET")
def channels_page(request):
    return channels_values(request)


@view_config(route_name="admin.channels", renderer="admin/channels.html", permission="site-admin",
             request_method="POST")
def create_channel(request):
    form = ChannelForm.from_post(request.POST)
    try:
        channel = apply_channel(request, Channel(), form, admin=True)
    except ValidationError as exc:
        request.response.status = 400
        return channels_values(request, form, exc.errors)
    return HTTPFound(request.route_url("channel.edit", channel=channel.slug, _query={"saved": 1}))


# --- one channel (its managers and the site admins) ----------------------------------------


def edit_values(request, channel: Channel, form=None, errors=None, theme_form=None) -> dict:
    return {"channel": channel, "form": form or ChannelForm.from_channel(channel),
            "theme_form": theme_form or ThemeForm(), "tree": theme_tree(channel),
            "errors": translated(request, errors or {}), "visibilities": VISIBILITY_LABELS,
            "admin": is_admin(request), "saved": "saved" in request.params}


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
    return {"channel": channel, "theme": theme, "form": form or ThemeForm.from_theme(theme),
            "parents": [t for t in channel.themes if t is not theme], "errors": translated(request, errors or {})}


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


# --- the home page (site admins) ------------------------------------------------------------


def home_values(request, chosen=None, errors=None) -> dict:
    choices = available_blocks(request)
    chosen = chosen if chosen is not None else chosen_blocks(request.site)
    slots = min(MAX_BLOCKS, len(choices))
    return {"choices": choices, "chosen": (chosen + [""] * slots)[:slots], "errors": translated(request, errors or {}),
            "saved": "saved" in request.params}


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

"""``/api/v1/channels`` and ``/api/v1/themes``: read what the caller may see; site admins create and delete
channels, managers change theirs and its themes. The pages' rules and checks (:mod:`core.catalogue.channels`,
:mod:`core.catalogue.channel_forms`); a channel's videos are ``/api/v1/videos?channel=<slug>``."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPForbidden, HTTPNoContent, HTTPNotFound
from pyramid.view import view_config
from sqlalchemy.orm import selectinload

from core.access.groups import site_groups
from core.catalogue.channel_forms import (
    ChannelForm,
    ThemeForm,
    apply_channel,
    apply_theme,
    delete_channel,
    delete_theme,
)
from core.catalogue.channels import can_manage, can_see, is_admin, visible_channels
from core.models import Channel, Theme
from core.platform.errors import ValidationError
from core.platform.i18n import _
from core.web.apiv1.common import json_object, paginated


def theme_json(request, theme: Theme) -> dict:
    return {
        "id": theme.id,
        "channel": theme.channel.slug,
        "channel_id": theme.channel_id,
        "slug": theme.slug,
        "title": theme.title,
        "description": theme.description,
        "parent_id": theme.parent_id,
        "position": theme.position,
        "url": request.route_url("channel.theme", channel=theme.channel.slug, theme=theme.slug),
    }


def channel_json(request, channel: Channel) -> dict:
    answer = {
        "id": channel.id,
        "slug": channel.slug,
        "title": channel.title,
        "description": channel.description,
        "visibility": channel.visibility,
        "open_to_all": channel.open_to_all,
        "featured": channel.featured,
        "position": channel.position,
        "url": request.route_url("channel", channel=channel.slug),
        "banner": request.route_url("channel.banner", channel=channel.slug) if channel.banner_key else None,
        "themes": [theme_json(request, t) for t in channel.themes],
    }
    if can_manage(request, channel):
        answer["managers"] = [m.username for m in channel.managers]
        answer["groups"] = [g.name for g in channel.allowed_groups]
    return answer


def api_channel(request, manage: bool = False) -> Channel:
    channel = request.dbsession.get(Channel, int(request.matchdict["channel_id"]))
    if channel is None or not can_see(request, channel):
        raise HTTPNotFound()
    if manage and not can_manage(request, channel):
        raise HTTPForbidden()
    return channel


def api_theme(request, manage: bool = False) -> Theme:
    theme = request.dbsession.get(Theme, int(request.matchdict["theme_id"]))
    if theme is None or not can_see(request, theme.channel):
        raise HTTPNotFound()
    if manage and not can_manage(request, theme.channel):
        raise HTTPForbidden()
    return theme


def fields(body: dict, names: dict) -> dict:
    """The body's known fields, each checked for its JSON type (``names``: field -> type)."""
    found = {}
    for name, kind in names.items():
        if name in body:
            if not isinstance(body[name], kind) or (kind is int and isinstance(body[name], bool)):
                raise ValidationError({name: _("A value of the documented type is expected.")})
            found[name] = body[name]
    return found


CHANNEL_FIELDS = {
    "title": str,
    "slug": str,
    "description": str,
    "visibility": str,
    "open_to_all": bool,
    "featured": bool,
    "position": int,
    "managers": list,
    "groups": list,
}
THEME_FIELDS = {"title": str, "slug": str, "description": str, "parent_id": (int, type(None)), "position": int}


def group_ids(request, names: list) -> tuple[str, ...]:
    """The ids of the site's groups of these names, or a clear error."""
    if not all(isinstance(n, str) for n in names):
        raise ValidationError({"groups": _("A list of names is expected.")})
    known = {g.name: str(g.id) for g in site_groups(request.dbsession, request.site.id)}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValidationError({"groups": _("Unknown: ${names}", mapping={"names": ", ".join(unknown)})})
    return tuple(known[n] for n in names)


def channel_form(request, channel: Channel | None, body: dict) -> ChannelForm:
    form = ChannelForm.from_channel(channel) if channel is not None else ChannelForm()
    for name, value in fields(body, CHANNEL_FIELDS).items():
        if name == "managers":
            if not all(isinstance(m, str) for m in value):
                raise ValidationError({"managers": _("A list of names is expected.")})
            value = ", ".join(value)
        elif name == "groups":
            form.group_ids = group_ids(request, value)
            continue
        setattr(form, name, str(value).strip() if name == "position" or isinstance(value, str) else value)
    return form


@view_config(route_name="v1.channels", renderer="json", request_method="GET")
def channels(request):
    query = visible_channels(request).options(selectinload(Channel.themes), selectinload(Channel.managers))
    return paginated(request, query, channel_json)


@view_config(route_name="v1.channels", renderer="json", request_method="POST", permission="site-admin")
def channel_create(request):
    channel = apply_channel(request, Channel(), channel_form(request, None, json_object(request)), admin=True)
    request.response.status = 201
    request.response.location = request.route_url("v1.channel", channel_id=channel.id)
    return channel_json(request, channel)


@view_config(route_name="v1.channel", renderer="json", request_method="GET")
def channel_detail(request):
    return channel_json(request, api_channel(request))


@view_config(route_name="v1.channel", renderer="json", request_method="PATCH")
def channel_update(request):
    channel = api_channel(request, manage=True)
    body = json_object(request)
    admin = is_admin(request)
    if not admin and set(body) & {"managers", "featured", "position"}:
        raise HTTPForbidden(_("Only a site administrator changes the managers, the featured flag and the order."))
    apply_channel(request, channel, channel_form(request, channel, body), admin=admin)
    return channel_json(request, channel)


@view_config(route_name="v1.channel", request_method="DELETE")
def channel_delete(request):
    channel = api_channel(request, manage=True)
    if not is_admin(request):
        raise HTTPForbidden()
    delete_channel(request, channel)
    return HTTPNoContent()


def theme_form(theme: Theme | None, body: dict) -> ThemeForm:
    form = ThemeForm.from_theme(theme) if theme is not None else ThemeForm()
    for name, value in fields(body, THEME_FIELDS).items():
        setattr(form, name, "" if value is None else str(value).strip())
    return form


@view_config(route_name="v1.channel.themes", renderer="json", request_method="GET")
def themes(request):
    return {"items": [theme_json(request, t) for t in api_channel(request).themes]}


@view_config(route_name="v1.channel.themes", renderer="json", request_method="POST")
def theme_create(request):
    channel = api_channel(request, manage=True)
    theme = apply_theme(request, channel, Theme(), theme_form(None, json_object(request)))
    request.response.status = 201
    request.response.location = request.route_url("v1.theme", theme_id=theme.id)
    return theme_json(request, theme)


@view_config(route_name="v1.theme", renderer="json", request_method="GET")
def theme_detail(request):
    return theme_json(request, api_theme(request))


@view_config(route_name="v1.theme", renderer="json", request_method="PATCH")
def theme_update(request):
    theme = api_theme(request, manage=True)
    apply_theme(request, theme.channel, theme, theme_form(theme, json_object(request)))
    return theme_json(request, theme)


@view_config(route_name="v1.theme", request_method="DELETE")
def theme_delete(request):
    delete_theme(request, api_theme(request, manage=True))
    return HTTPNoContent()

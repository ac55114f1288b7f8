"""Site administration: plugins and their settings, upload limits, the catalogue lists; who may change roles.

The users and groups pages are :mod:`core.web.views.users_admin` and :mod:`core.web.views.groups_admin`."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPBadRequest, HTTPFound, HTTPNotFound
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from core.catalogue.metadata import (
    ACCESS_LABELS,
    CATALOGUE_LISTS,
    UPLOAD_ACCESS,
    add_list_entry,
    rename_list_entry,
    site_disciplines,
    site_video_types,
    type_title,
)
from core.platform.errors import ValidationError
from core.platform.i18n import translate_errors
from core.platform.plugins import PLUGIN_STATUS_LABELS
from core.platform.settings import setting
from core.platform.sites import (
    MB,
    check_essential_plugins,
    plugin_settings,
    set_enabled_plugins,
    set_plugin_overrides,
    update_identity,
    update_upload_limits,
    upload_limits,
)
from core.web.inputs import whole_number


def megabytes(value: int | None) -> str:
    return "" if value is None else str(value // MB)


def site_page_values(request, errors=None, form=None, limits_form=None) -> dict:
    plugins = request.registry.plugins
    site, settings = request.site, request.registry.settings
    return {
        "infos": sorted(plugins.infos.values(), key=lambda i: i.name),
        "plugin_status_labels": PLUGIN_STATUS_LABELS,
        "saved": "saved" in request.params,
        "errors": errors or {},
        "form": form or {"name": site.name, "theme_color": site.theme_color, "logo_url": site.logo_url},
        "limits_form": limits_form
        or {
            "upload_max_size": megabytes(site.upload_max_size),
            "upload_user_quota": megabytes(site.upload_user_quota),
            "upload_access": site.upload_access,
        },
        "upload_access_levels": [(key, ACCESS_LABELS[key]) for key in UPLOAD_ACCESS],
        "server_limits": {
            "max_size": setting(settings, "amphi.uploads.max_size") // MB,
            "user_quota": setting(settings, "amphi.uploads.user_quota") // MB,
        },
        "limits": [value // MB for value in upload_limits(settings, site)],
    }


@view_config(route_name="admin.site", renderer="admin/site.html", permission="site-admin", request_method="GET")
def site_page(request):
    return site_page_values(request)


@view_config(
    route_name="admin.site.identity", renderer="admin/site.html", permission="site-admin", request_method="POST"
)
def save_identity(request):
    form = {key: request.POST.get(key, "") for key in ("name", "theme_color", "logo_url")}
    try:
        update_identity(request.site, **form)
    except ValidationError as exc:
        request.response.status = 400
        return site_page_values(request, translate_errors(request, exc.errors), form)
    return HTTPFound(request.route_url("admin.site", _query={"saved": 1}))


@view_config(
    route_name="admin.site.uploads", renderer="admin/site.html", permission="site-admin", request_method="POST"
)
def save_upload_limits(request):
    form = {key: request.POST.get(key, "") for key in ("upload_max_size", "upload_user_quota", "upload_access")}
    try:
        update_upload_limits(
            request.registry.settings,
            request.site,
            form["upload_max_size"],
            form["upload_user_quota"],
            form["upload_access"] or None,
        )
    except ValidationError as exc:
        request.response.status = 400
        errors = translate_errors(request, exc.errors)
        return site_page_values(request, errors, limits_form=form)
    return HTTPFound(request.route_url("admin.site", _query={"saved": 1}))


@view_config(route_name="admin.site", permission="site-admin", request_method="POST")
def save_plugins(request):
    plugins = request.POST.getall("plugins")
    try:
        check_essential_plugins(request.registry, plugins)
        set_enabled_plugins(request.registry, request.site, plugins)
    except ValidationError as exc:
        response = render_to_response(
            "admin/site.html", site_page_values(request, translate_errors(request, exc.errors)), request=request
        )
        response.status = 400
        return response
    return HTTPFound(request.route_url("admin.site", _query={"saved": 1}))


def _plugin_info(request):
    info = request.registry.plugins.infos.get(request.matchdict["plugin"])
    if info is None or not info.loaded:
        raise HTTPNotFound()
    return info


@view_config(route_name="admin.plugin", renderer="admin/plugin.html", permission="site-admin")
def plugin_page(request):
    info = _plugin_info(request)
    values, errors = plugin_settings(request.registry, request.site, info.name), {}
    if request.method == "POST":
        submitted = {}
        stored = request.site.overrides_for(info.name)
        for key, setting in info.settings.declared.items():
            if not setting.site_editable:
                continue
            if setting.secret and request.POST.get(key, "") == "":
                if key in stored:  # a secret is never shown: an empty field keeps the stored one
                    submitted[key] = stored[key]
                continue
            if setting.type == "bool":
                submitted[key] = key in request.POST
            elif request.POST.get(key, "") != "" or setting.type in ("str", "text", "list"):
                submitted[key] = request.POST.get(key, "")
        try:
            set_plugin_overrides(request.registry, request.site, info.name, submitted)
            return HTTPFound(request.route_url("admin.plugin", plugin=info.name, _query={"saved": 1}))
        except ValidationError as exc:
            errors = exc.errors
            values.update(submitted)
    texts = {key: field_text(setting, values.get(key)) for key, setting in info.settings.declared.items()}
    return {"info": info, "values": values, "texts": texts, "errors": errors, "saved": "saved" in request.params}


def field_text(setting, value) -> str:
    """What a setting's form field shows: a list as words (whether typed or as submitted), never a secret."""
    if setting.secret or value is None:
        return ""
    if setting.type == "list" and isinstance(value, (list, tuple)):
        return " ".join(str(item) for item in value)
    return str(value)


# --- video types and disciplines ---------------------------------------------------


def catalogue_values(request, errors=None) -> dict:
    db, site_id = request.dbsession, request.site.id
    return {
        "types": site_video_types(db, site_id),
        "disciplines": site_disciplines(db, site_id),
        "errors": translate_errors(request, errors),
        "saved": "saved" in request.params,
        "type_title": lambda t: type_title(request, t),
    }


@view_config(
    route_name="admin.catalogue", renderer="admin/catalogue.html", permission="site-admin", request_method="GET"
)
def catalogue_page(request):
    return catalogue_values(request)


@view_config(
    route_name="admin.catalogue", renderer="admin/catalogue.html", permission="site-admin", request_method="POST"
)
def change_catalogue(request):
    kind, action = request.POST.get("kind", ""), request.POST.get("action", "")
    if kind not in CATALOGUE_LISTS or action not in ("add", "rename", "delete"):
        raise HTTPBadRequest(request.translate("Unknown change."))
    entry_id = whole_number(request.POST.get("id") or "0", "id") if action != "add" else 0
    try:
        if action == "add":
            add_list_entry(request.dbsession, request.site.id, kind, request.POST.get("title", ""))
        else:
            entry = request.dbsession.get(CATALOGUE_LISTS[kind], entry_id)
            if entry is None or entry.site_id != request.site.id:
                raise HTTPNotFound()
            if action == "rename":
                rename_list_entry(entry, request.POST.get("title", ""))
            else:
                request.dbsession.delete(entry)  # videos keep everything else (the type becomes none)
    except ValidationError as exc:
        request.response.status = 400
        return catalogue_values(request, {f"{kind}-{action}": exc.errors["title"]})
    return HTTPFound(request.route_url("admin.catalogue", _query={"saved": 1}))

"""The installation's sites, for superusers: list them, create one with its first administrator, change its domains."""

from __future__ import annotations

import re

from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.view import view_config
from sqlalchemy import func, select

from core.access.users import create_user
from core.models import Site, SiteDomain, User, Video
from core.platform.errors import ValidationError
from core.platform.i18n import _
from core.platform.sites import check_essential_plugins, create_site, default_plugins, host_name

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def parse_domains(text: str) -> list[str]:
    """One host name per line or separated by spaces/commas; each checked, ports dropped."""
    domains = [host_name(d) for d in re.split(r"[\s,]+", text or "") if d.strip()]
    bad = [d for d in domains if not DOMAIN.match(d)]
    if bad:
        raise ValidationError({"domains": _("Not a host name: ${names}", mapping={"names": ", ".join(bad)})})
    if not domains:
        raise ValidationError({"domains": _("Give at least one host name.")})
    return sorted(set(domains))


def sites_values(request, errors=None, form=None) -> dict:
    db = request.dbsession
    counts = dict(db.execute(select(Video.site_id, func.count(Video.id)).group_by(Video.site_id)).all())
    users = dict(db.execute(select(User.site_id, func.count(User.id)).group_by(User.site_id)).all())
    sites = db.scalars(select(Site).order_by(Site.slug)).all()
    return {
        "sites": sites,
        "videos": counts,
        "users": users,
        "plugins": sorted(request.registry.plugins.names()),
        "errors": errors or {},
        "form": form or {"plugins": default_plugins(request.registry)},
        "created": request.params.get("created", ""),
        "saved": request.params.get("saved", ""),
    }


@view_config(route_name="admin.sites", renderer="admin/sites.html", permission="superuser", request_method="GET")
def sites_page(request):
    return sites_values(request)


@view_config(route_name="admin.sites", renderer="admin/sites.html", permission="superuser", request_method="POST")
def create_site_view(request):
    post = request.POST
    form = {key: post.get(key, "").strip() for key in ("slug", "name", "domains", "admin_username", "admin_email")}
    form["plugins"] = post.getall("plugins")
    errors = {}
    if not SLUG.match(form["slug"]):
        errors["slug"] = _("Lower-case letters, digits and dashes, starting with a letter or digit.")
    if not form["name"]:
        errors["name"] = _("Give the site a name.")
    try:
        domains = parse_domains(form["domains"])
    except ValidationError as exc:
        errors.update(exc.errors)
    try:
        check_essential_plugins(request.registry, form["plugins"])
    except ValidationError as exc:
        errors.update(exc.errors)
    password = post.get("admin_password", "")
    if form["admin_username"] and len(password) < 12:
        errors["admin_password"] = _("At least 12 characters.")
    if not errors:
        try:
            site = create_site(
                request.dbsession, request.registry, form["slug"], form["name"], domains, plugins=form["plugins"]
            )
            if form["admin_username"]:
                create_user(
                    request,
                    form["admin_username"],
                    site=site,
                    email=form["admin_email"],
                    display_name=form["admin_username"],
                    role="site-admin",
                    password=password,
                )
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        request.response.status = 400
        return sites_values(request, {k: request.localizer.translate(v) for k, v in errors.items()}, form)
    return HTTPFound(request.route_url("admin.sites", _query={"created": site.slug}))


@view_config(
    route_name="admin.site.domains", renderer="admin/sites.html", permission="superuser", request_method="POST"
)
def save_domains(request):
    site = request.dbsession.get(Site, int(request.matchdict["site_id"]))
    if site is None:
        raise HTTPNotFound()
    text = request.POST.get("domains", "")
    try:
        domains = parse_domains(text)
        taken = request.dbsession.scalars(
            select(SiteDomain.domain).where(SiteDomain.domain.in_(domains), SiteDomain.site_id != site.id)
        ).all()
        if taken:
            raise ValidationError(
                {"domains": _("Already used by another site: ${names}", mapping={"names": ", ".join(taken)})}
            )
    except ValidationError as exc:
        request.response.status = 400
        values = sites_values(request)
        values["domain_errors"] = {site.id: request.localizer.translate(exc.errors["domains"])}
        values["domain_forms"] = {site.id: text}
        return values
    kept = {d.domain: d for d in site.domains}
    site.domains = [kept.get(d) or SiteDomain(domain=d) for d in domains]
    return HTTPFound(request.route_url("admin.sites", _query={"saved": site.slug}, _anchor=f"site-{site.slug}"))

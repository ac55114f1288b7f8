"""Site administration: the site's LTI platforms (added by hand or by dynamic registration), the tool's
keys (rotated without breaking deployments), and the addresses a platform's administrator needs."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.view import view_config
from sqlalchemy import select

from core.models import utcnow
from core.plugin_api import _, translate_errors
from plugin_moodle.keys import active_keys, keyset, new_key, retire, signing_key
from plugin_moodle.models import LtiKey, LtiPlatform, LtiRegistrationLink

EDIT = "plugin_moodle:templates/platform_edit.html"
URL_FIELDS = ("issuer", "auth_url", "token_url", "keyset_url")
#: How long a dynamic registration address stays usable.
REGISTRATION_LINK_DAYS = 7


@view_config(route_name="moodle.jwks", renderer="json", request_method="GET")
def jwks(request):
    """The site's public keyset: every tool key not retired (platforms cache it; rotation adds first)."""
    request.response.cache_control = "public, max-age=300"
    return keyset(request.dbsession, request.site.id)


def tool_addresses(request) -> dict:
    """What a platform's administrator enters for a manual registration."""
    return {
        "launch_url": request.route_url("moodle.launch"),
        "login_url": request.route_url("moodle.login"),
        "keyset_url": request.route_url("moodle.jwks"),
        "deep_link_url": request.route_url("moodle.launch"),
    }


def site_platform(request) -> LtiPlatform:
    platform = request.dbsession.get(LtiPlatform, int(request.matchdict["platform_id"]))
    if platform is None or platform.site_id != request.site.id:
        raise HTTPNotFound()
    return platform


@view_config(route_name="moodle.platforms", renderer="plugin_moodle:templates/platforms.html", permission="site-admin")
def platforms_page(request):
    signing_key(request.dbsession, request.site.id)  # the site has a key before a platform asks for it
    platforms = sorted(
        request.dbsession.scalars(select(LtiPlatform).where(LtiPlatform.site_id == request.site.id)),
        key=lambda p: p.name.casefold(),
    )
    return {
        "platforms": platforms,
        "keys": active_keys(request.dbsession, request.site.id),
        "addresses": tool_addresses(request),
        "registration_url": request.params.get("registration_url", "")
        if request.params.get("registration_url", "").startswith(request.host_url + "/lti/register/")
        else "",
        "notice": request.params.get("notice", ""),
    }


def read_platform_form(request, post) -> tuple[dict, dict]:
    fields = {name: post.get(name, "").strip() for name in ("name", "client_id", *URL_FIELDS)}
    fields["deployment_ids"] = [d for d in (line.strip() for line in post.get("deployment_ids", "").splitlines()) if d]
    errors = {}
    if not fields["name"]:
        errors["name"] = _("Give the platform a name.")
    if not fields["client_id"]:
        errors["client_id"] = _("The client ID the platform gave Amphi is needed.")
    for name in URL_FIELDS:
        parts = urlsplit(fields[name])
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors[name] = _("An address starting with https:// is expected.")
    if not fields["deployment_ids"]:
        errors["deployment_ids"] = _("At least one deployment ID, one per line.")
    duplicate = request.dbsession.scalar(
        select(LtiPlatform.id).where(
            LtiPlatform.site_id == request.site.id,
            LtiPlatform.issuer == fields["issuer"],
            LtiPlatform.client_id == fields["client_id"],
        )
    )
    if duplicate is not None and str(duplicate) != request.matchdict.get("platform_id"):
        errors["client_id"] = _("This issuer and client ID are registered already.")
    return fields, errors


def edit_values(request, platform, form, errors=None) -> dict:
    return {
        "platform": platform,
        "form": form,
        "errors": translate_errors(request, errors or {}),
        "saved": "saved" in request.params,
        "addresses": tool_addresses(request),
    }


def platform_form(platform: LtiPlatform | None) -> dict:
    if platform is None:
        return {"deployment_ids": ""}
    names = ("name", "client_id", *URL_FIELDS)
    return {**{n: getattr(platform, n) for n in names}, "deployment_ids": "\n".join(platform.deployment_ids)}


@view_config(route_name="moodle.platform.new", renderer=EDIT, permission="site-admin")
def new_platform(request):
    if request.method != "POST":
        return edit_values(request, None, platform_form(None))
    fields, errors = read_platform_form(request, request.POST)
    if errors:
        request.response.status = 400
        return edit_values(request, None, {**fields, "deployment_ids": "\n".join(fields["deployment_ids"])}, errors)
    platform = LtiPlatform(site_id=request.site.id, registered_by="manual", **fields)
    request.dbsession.add(platform)
    request.dbsession.flush()
    return HTTPFound(request.route_url("moodle.platform", platform_id=platform.id, _query={"saved": 1}))


@view_config(route_name="moodle.platform", renderer=EDIT, permission="site-admin")
def edit_platform(request):
    platform = site_platform(request)
    if request.method != "POST":
        return edit_values(request, platform, platform_form(platform))
    fields, errors = read_platform_form(request, request.POST)
    if errors:
        request.response.status = 400
        return edit_values(request, platform, {**fields, "deployment_ids": "\n".join(fields["deployment_ids"])}, errors)
    for name, value in fields.items():
        setattr(platform, name, value)
    return HTTPFound(request.route_url("moodle.platform", platform_id=platform.id, _query={"saved": 1}))


@view_config(route_name="moodle.platform.delete", request_method="POST", permission="site-admin")
def delete_platform(request):
    platform = site_platform(request)
    request.dbsession.delete(platform)
    return HTTPFound(request.route_url("moodle.platforms", _query={"notice": "deleted"}))


@view_config(route_name="moodle.keys.rotate", request_method="POST", permission="site-admin")
def rotate_keys(request):
    """A new signing key; the older ones stay published until retired."""
    new_key(request.dbsession, request.site.id)
    return HTTPFound(request.route_url("moodle.platforms", _query={"notice": "rotated"}))


@view_config(route_name="moodle.key.retire", request_method="POST", permission="site-admin")
def retire_key(request):
    key = request.dbsession.get(LtiKey, int(request.matchdict["key_id"]))
    if key is None or key.site_id != request.site.id:
        raise HTTPNotFound()
    notice = "retired" if retire(request.dbsession, key) else "last-key"
    return HTTPFound(request.route_url("moodle.platforms", _query={"notice": notice}))


def registration_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@view_config(route_name="moodle.registration.new", request_method="POST", permission="site-admin")
def new_registration_link(request):
    """A dynamic registration address for one platform: shown once, usable once, for a week."""
    token = secrets.token_urlsafe(24)
    request.dbsession.add(
        LtiRegistrationLink(
            site_id=request.site.id,
            token_hash=registration_token_hash(token),
            expires_at=utcnow() + timedelta(days=REGISTRATION_LINK_DAYS),
        )
    )
    url = request.route_url("moodle.register", token=token)
    return HTTPFound(request.route_url("moodle.platforms", _query={"registration_url": url}))

"""What Studio asks besides the ingest API: who is signed in, its series, ``/lti``, its settings file,
Studio itself; CORS."""

from __future__ import annotations

import json
import mimetypes
import os
from urllib.parse import urlsplit

from pyramid.events import ContextFound, NewResponse
from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.renderers import render_to_response
from pyramid.response import FileResponse, Response
from pyramid.view import view_config

from core.plugin_api import site_or_none
from opencast_studio.auth import NAME, challenge, principal_for, settings_of
from opencast_studio.i18n import _, translate, translator
from opencast_studio.studio_api import user_series

INGEST_ROUTES = (
    "ingest.create",
    "ingest.dc_catalog",
    "ingest.track",
    "ingest.catalog",
    "ingest.attachment",
    "ingest.ingest",
    "ingest.ingest_workflow",
)
CORS_HEADERS = "Authorization, Content-Type, X-Requested-Auth"


# --- who is signed in ---------------------------------------------------------------------------


def roles_of(request, user) -> list[str]:
    """Opencast-style roles: Studio only needs to see a user, the ACL template uses ``userRole``."""
    roles = ["ROLE_USER", "ROLE_STUDIO", user_role(user)]
    if user.is_admin:
        roles.append("ROLE_ADMIN")
    roles += [f"ROLE_GROUP_{group.name.upper()}" for group in user.groups]
    return roles


def user_role(user) -> str:
    return "ROLE_USER_" + "".join(c if c.isalnum() else "_" for c in user.username.upper())


def organization(request) -> dict:
    site = request.site
    return {
        "id": site.slug,
        "name": site.name,
        "adminRole": "ROLE_ADMIN",
        "anonymousRole": "ROLE_ANONYMOUS",
        "properties": {},
    }


def wrong_credentials(request) -> Response:
    """401 for credentials that name nobody who may upload here, with the challenge Studio expects."""
    response = Response(
        status=401,
        body=translate(request, _("Wrong user name or password.")).encode(),
        content_type="text/plain",
        charset="utf-8",
    )
    value = challenge(request)
    if value:
        response.headers["WWW-Authenticate"] = value
    return response


@view_config(route_name="opencast_studio.me", request_method="GET", renderer="json")
def info_me(request):
    """``/info/me.json`` as Opencast answers it; anonymous (not an error) without credentials."""
    principal = principal_for(request)
    if principal is None and "Authorization" in request.headers:
        return wrong_credentials(request)
    if principal is None:
        return {
            "org": organization(request),
            "roles": ["ROLE_ANONYMOUS"],
            "userRole": "ROLE_ANONYMOUS",
            "user": {"username": "anonymous", "name": "Anonymous", "email": "", "provider": "amphi"},
        }
    user = principal.user
    return {
        "org": organization(request),
        "roles": roles_of(request, user),
        "userRole": user_role(user),
        "user": {
            "username": user.username,
            "name": user.display_name or user.username,
            "email": user.email,
            "provider": "amphi",
        },
    }


@view_config(route_name="opencast_studio.series", request_method="GET", renderer="json")
@view_config(route_name="opencast_studio.series_before_2023", request_method="GET", renderer="json")
def series(request):
    """The series Studio offers on its upload form: a JSON list of ``{"id", "title"}`` (empty for nobody)."""
    principal = principal_for(request)
    if principal is None and "Authorization" in request.headers:
        return wrong_credentials(request)
    return [] if principal is None else user_series(request, principal.user)


@view_config(route_name="opencast_studio.lti", request_method="GET", renderer="json")
def lti(request):
    """Opencast's LTI session of the browser; Studio reads ``{}`` as "none" (launches are the LMS plugins' affair)."""
    return {}


# --- Studio and its settings -------------------------------------------------------------------------


def site_server(request) -> str:
    """This site's address as Studio's ``serverUrl`` (what the user must see in Studio's connection form)."""
    return request.application_url.rstrip("/") + "/"


def settings_toml(request) -> str:
    """The complete ``settings.toml`` a Studio served by this site reads: this site is its server, the
    session signs the user in (no name, no secret in the file), the presenter is the user's name."""
    return "\n".join(
        [
            "# Written by Amphi: this site is the server Opencast Studio uploads to.",
            "[opencast]",
            f"serverUrl = {json.dumps(site_server(request))}",
            "loginProvided = true",
            "",
            "[upload]",
            "acl = false",
            'titleField = "required"',
            'presenterField = "optional"',
            'seriesField = "optional"',
            'autofillPresenter = ["opencast"]',
            "",
            "[return]",
            f"target = {json.dumps(request.route_url('my.videos'))}",
            f"label = {json.dumps(request.site.name)}",
            "",
        ]
    )


@view_config(route_name="opencast_studio.settings", request_method="GET")
def studio_settings(request):
    return Response(settings_toml(request), content_type="application/toml", charset="utf-8")


def studio_folder(request) -> str | None:
    folder = settings_of(request)["studio_folder"]
    if folder and os.path.isfile(os.path.join(folder, "index.html")):
        return os.path.realpath(folder)
    return None


@view_config(route_name="opencast_studio.bare", request_method="GET")
def studio_bare(request):
    return HTTPFound(request.route_url("opencast_studio.page"))


@view_config(route_name="opencast_studio.page", request_method="GET")
def studio_page(request):
    folder = studio_folder(request)
    if folder is not None:
        return FileResponse(os.path.join(folder, "index.html"), request=request, content_type="text/html")
    hosted = settings_of(request)["hosted_studio_url"].strip().rstrip("/")
    hosted = hosted + "/" if hosted else ""
    # Studio ignores connection settings in its address (and falls back to its example server):
    # the link carries none, the page says what to type where and what to check.
    return render_to_response(
        "opencast_studio:templates/studio.html",
        {
            "t": translator(request),
            "hosted": hosted,
            "hosted_host": urlsplit(hosted).netloc,
            "server": site_server(request),
            "username": request.user.username if request.user is not None else "",
            "may_upload": request.has_permission("upload"),
            "account": settings_of(request)["account_username"],
        },
        request=request,
    )


@view_config(route_name="opencast_studio.asset", request_method="GET")
def studio_asset(request):
    """A file of the built Studio, never outside its folder."""
    folder = studio_folder(request)
    if folder is None:
        raise HTTPNotFound()
    path = os.path.realpath(os.path.join(folder, *request.subpath))
    if not path.startswith(folder + os.sep) or not os.path.isfile(path):
        raise HTTPNotFound()
    kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return FileResponse(path, request=request, content_type=kind, cache_max_age=3600)


# --- a hosted Studio calls from another origin (CORS) --------------------------------------------------


def allowed_origin(request) -> str | None:
    """The request's Origin when it is the hosted Studio's and the plugin is on for the site."""
    origin = request.headers.get("Origin")
    site = site_or_none(request)
    if not origin or site is None or not site.has_plugin(NAME):
        return None
    hosted = urlsplit(settings_of(request)["hosted_studio_url"])
    return origin if origin == f"{hosted.scheme}://{hosted.netloc}" else None


CORS_ORIGIN = "opencast_studio.cors_origin"


def note_cors(event) -> None:
    """While the request's transaction is open: remember whether the caller is the hosted Studio."""
    request = event.request
    if request.path.startswith(("/ingest/", "/studio-api/")) or request.path in (
        "/info/me.json",
        "/studio/series.json",
    ):
        request.environ[CORS_ORIGIN] = allowed_origin(request)


def add_cors(event) -> None:
    """Answer the hosted Studio with CORS headers (the database is closed by now: read the note)."""
    origin = event.request.environ.get(CORS_ORIGIN)
    if origin is not None:
        headers = event.response.headers
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Allow-Methods"] = "GET, POST"
        headers["Access-Control-Allow-Headers"] = CORS_HEADERS
        headers["Access-Control-Max-Age"] = "600"
        headers.add("Vary", "Origin")


def preflight(request):
    """Answer a hosted Studio's CORS preflight (the headers come from :func:`add_cors`)."""
    if allowed_origin(request) is None:
        raise HTTPNotFound()
    return Response(status=204)


def includeme(config):
    config.scan("opencast_studio.views")
    config.add_subscriber(note_cors, ContextFound)
    config.add_subscriber(add_cors, NewResponse)
    for route in (*INGEST_ROUTES, "opencast_studio.me", "opencast_studio.series", "opencast_studio.series_before_2023"):
        config.add_view(preflight, route_name=route, request_method="OPTIONS")

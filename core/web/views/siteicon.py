"""The site's icon (an SVG drawn in its colour) and its web app manifest, both public and cacheable."""

from __future__ import annotations

import json

from markupsafe import escape
from pyramid.httpexceptions import HTTPMovedPermanently
from pyramid.response import Response
from pyramid.view import view_config

from core.pagecache import cache_page

#: A rounded square in the site's colour with a play triangle in white (readable on light and dark tabs).
ICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
    '<rect width="64" height="64" rx="14" fill="{colour}"/>'
    '<path d="M25 18v28l22-14z" fill="#fff"/></svg>'
)
MAX_AGE = 3600


@view_config(route_name="favicon", request_method="GET")
def favicon(request):
    cache_page(request)
    body = ICON_SVG.format(colour=escape(request.site.theme_color))
    response = Response(body, content_type="image/svg+xml", charset="utf-8")
    response.cache_control.public, response.cache_control.max_age = True, MAX_AGE
    return response


@view_config(route_name="favicon.ico", request_method="GET")
def favicon_ico(request):
    """Browsers ask for ``/favicon.ico`` on pages without an icon link (a JSON answer, a file): the SVG."""
    return HTTPMovedPermanently(request.route_url("favicon"))


@view_config(route_name="manifest", request_method="GET")
def manifest(request):
    """The web app manifest (https://www.w3.org/TR/appmanifest/): the site's name, colour and icon."""
    cache_page(request)
    site = request.site
    body = {
        "name": site.name,
        "short_name": site.name[:12],
        "lang": request.locale_name,
        "start_url": request.route_url("home"),
        "scope": request.route_url("home"),
        "display": "standalone",
        "theme_color": site.theme_color,
        "background_color": site.theme_color,
        "icons": [{"src": request.route_url("favicon"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
    }
    response = Response(json.dumps(body, ensure_ascii=False), content_type="application/manifest+json", charset="utf-8")
    response.cache_control.public, response.cache_control.max_age = True, 3600
    return response

"""oEmbed (https://oembed.com/, JSON or ``format=xml``) for video pages, and a stable thumbnail address for other sites.

Consumers (a CMS, Moodle, a chat) fetch ``/oembed?url=<video page>`` anonymously: only a
video the request may view answers; anything else is a 404, so nothing leaks whether a
hidden video exists. The thumbnail address redirects to a fresh signed media URL.
"""

from __future__ import annotations

from urllib.parse import urlsplit
from xml.etree import ElementTree

from markupsafe import escape
from pyramid.httpexceptions import HTTPFound, HTTPNotFound, HTTPNotImplemented
from pyramid.interfaces import IRoutesMapper
from pyramid.response import Response
from pyramid.view import view_config

from core.access.security import video_permits
from core.catalogue.lookup import get_site_video
from core.catalogue.media_urls import media_url
from core.platform.i18n import _

DEFAULT_WIDTH, MIN_WIDTH = 640, 200


def poster_file(video):
    """The chosen poster, else the first thumbnail, else None."""
    if video.poster_key:
        return next((f for f in video.files if f.key == video.poster_key), None)
    return next((f for f in video.files if f.kind == "thumbnail"), None)


def video_from_url(request, url: str):
    """The video of a page URL of this site (``/videos/<id>`` or its embed), or None."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() != request.domain.lower():
        return None
    for name in ("video", "video.embed"):
        route = request.registry.getUtility(IRoutesMapper).get_route(name)
        match = route.match(parts.path)
        if match is not None:
            try:
                return get_site_video(request, match["video_id"])
            except HTTPNotFound:
                return None
    return None


def bounded(request, name: str, default: int) -> int:
    value = request.params.get(name, "")
    return max(MIN_WIDTH, min(default, int(value))) if value.isdigit() else default


def oembed_xml(answer: dict) -> bytes:
    """The oEmbed answer as XML (section 2.3.4 of the specification): one element per field."""
    root = ElementTree.Element("oembed")
    for key, value in answer.items():
        ElementTree.SubElement(root, key).text = str(value)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


@view_config(route_name="oembed", renderer="json", request_method="GET")
def oembed(request):
    answer_format = request.params.get("format", "json")
    if answer_format not in ("json", "xml"):
        raise HTTPNotImplemented(_("The formats offered are JSON and XML."))
    video = video_from_url(request, request.params.get("url", ""))
    if video is None or video.status != "ready" or not video_permits(request, video, "view"):
        raise HTTPNotFound(_("No video to embed at this address."))
    width = bounded(request, "maxwidth", DEFAULT_WIDTH)
    height = round(width * 9 / 16)
    if request.params.get("maxheight", "").isdigit() and height > int(request.params["maxheight"]):
        height = max(MIN_WIDTH * 9 // 16, int(request.params["maxheight"]))
        width = round(height * 16 / 9)
    embed = request.route_url("video.embed", video_id=video.id)
    html = (
        f'<iframe src="{escape(embed)}" width="{width}" height="{height}" title="{escape(video.title)}" '
        'frameborder="0" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen></iframe>'
    )
    answer = {
        "version": "1.0",
        "type": "video",
        "title": video.title,
        "html": html,
        "width": width,
        "height": height,
        "provider_name": request.site.name,
        "provider_url": request.route_url("home"),
        "author_name": video.owner.name,
        "cache_age": 3600,
    }
    poster = poster_file(video)
    if poster is not None:
        answer.update(
            {
                "thumbnail_url": request.route_url("video.thumbnail", video_id=video.id),
                "thumbnail_width": poster.width or 1280,
                "thumbnail_height": poster.height or 720,
            }
        )
    if answer_format == "xml":
        response = Response(oembed_xml(answer), content_type="text/xml", charset="utf-8")
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
    request.response.headers["Access-Control-Allow-Origin"] = "*"
    return answer


@view_config(route_name="video.thumbnail", request_method="GET")
def thumbnail(request):
    """302 to the signed URL of the poster (checked like the page), for feeds and embeds elsewhere."""
    video = get_site_video(request, request.matchdict["video_id"])
    poster = poster_file(video)
    if poster is None or not video_permits(request, video, "view"):
        raise HTTPNotFound()  # an image address: no sign-in page, and no word on whether the video exists
    response = HTTPFound(media_url(request, video, poster.key))
    response.cache_control = "private, max-age=300"
    return response

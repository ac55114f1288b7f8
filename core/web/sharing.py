"""Link previews: Open Graph and Twitter card tags for what an anonymous visitor may see.

A page pasted in a chat, Moodle or a social network shows a title, a text and an image only
when its object (a video, a channel, a plugin's object such as a playlist) is visible to
anyone without signing in: a draft, restricted, password-protected or unpublished video gets
no tags at all, so a preview never shows what a link's reader could not open. Templates call
``request.share_meta(obj)`` through ``core/templates/_share_meta.html``.
"""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup

from core.models import Channel, Video
from core.platform.markup import render_markdown
from core.web.views.oembed import poster_file

DESCRIPTION_LENGTH = 300
PLAYER_SIZE = (1280, 720)


def anonymous_may_view(video: Video) -> bool:
    """Whether a visitor without an account may watch ``video`` (the core's rule for everyone)."""
    return video.status == "ready" and video.access == "public" and video.is_published()


def plain_text(markdown: str | None, limit: int = DESCRIPTION_LENGTH) -> str:
    """A Markdown description as one line of plain text, cut at a word near ``limit``."""
    text = Markup(render_markdown(markdown)).striptags()
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def share_meta(request, obj, public: bool | None = None, url: str | None = None, videos: Iterable = ()) -> list:
    """``[(attribute, name, content)]`` for ``<meta>`` tags, empty unless anyone may see ``obj``.

    A video or a channel decides for itself; another object (a plugin's) says whether it is
    ``public`` and its ``url``; its image is the poster of its first video anyone may watch.
    """
    if isinstance(obj, Video):
        return video_tags(request, obj) if anonymous_may_view(obj) else []
    if isinstance(obj, Channel):
        if obj.visibility != "public":
            return []
        image = request.route_url("channel.banner", channel=obj.slug) if obj.banner_key else None
        return common_tags(request, obj.title, obj.description, request.route_url("channel", channel=obj.slug), image)
    if not public:
        return []
    first = next((v for v in videos if v is not None and anonymous_may_view(v) and poster_file(v)), None)
    image = request.route_url("video.thumbnail", video_id=first.id) if first is not None else None
    return common_tags(request, obj.title, getattr(obj, "description", ""), url or request.path_url, image)


def common_tags(request, title: str, description: str, url: str, image: str | None, kind: str = "website") -> list:
    text = plain_text(description)
    tags = [
        ("property", "og:type", kind),
        ("property", "og:site_name", request.site.name),
        ("property", "og:title", title),
        ("property", "og:url", url),
        ("property", "og:locale", "fr_FR" if request.locale_name == "fr" else "en_GB"),
        ("name", "twitter:card", "summary_large_image" if image else "summary"),
        ("name", "twitter:title", title),
    ]
    if text:
        tags += [("property", "og:description", text), ("name", "twitter:description", text)]
    if image:
        tags += [("property", "og:image", image), ("property", "og:image:alt", title), ("name", "twitter:image", image)]
    return tags


def video_tags(request, video: Video) -> list:
    poster = poster_file(video)
    image = request.route_url("video.thumbnail", video_id=video.id) if poster is not None else None
    page = request.route_url("video", video_id=video.id)
    tags = common_tags(request, video.title, video.description, page, image, kind="video.other")
    if poster is not None and poster.width and poster.height:
        tags += [("property", "og:image:width", str(poster.width)), ("property", "og:image:height", str(poster.height))]
    embed = request.route_url("video.embed", video_id=video.id)
    width, height = PLAYER_SIZE
    tags += [
        ("property", "og:video", embed),
        ("property", "og:video:type", "text/html"),
        ("property", "og:video:width", str(width)),
        ("property", "og:video:height", str(height)),
    ]
    if embed.startswith("https://"):  # a player card needs an HTTPS player
        tags += [("property", "og:video:secure_url", embed)]
        if image:
            tags = [t for t in tags if t[1] != "twitter:card"] + [
                ("name", "twitter:card", "player"),
                ("name", "twitter:player", embed),
                ("name", "twitter:player:width", str(width)),
                ("name", "twitter:player:height", str(height)),
            ]
    if video.duration:
        tags.append(("property", "video:duration", str(round(video.duration))))
    return tags


def oembed_xml_url(request, obj) -> str | None:
    """The oEmbed XML address of a video's page (the JSON one is beside the player's template), else None."""
    if not isinstance(obj, Video):
        return None
    return request.route_url("oembed", _query={"url": request.route_url("video", video_id=obj.id), "format": "xml"})


def includeme(config):
    config.add_request_method(share_meta, "share_meta")
    config.add_request_method(oembed_xml_url, "oembed_xml_url")

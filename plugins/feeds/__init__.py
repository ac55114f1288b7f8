"""RSS 2.0 feeds with the iTunes podcast namespace: a site's latest videos, a user's, a tag's, a channel's,
a theme's (their pages link them in their head through ``amphi_feed_links``).

Only public, published, ready videos appear; enclosures (MP3 audio by default, MP4 video with
``?media=video``) only for those whose owner allows downloads. Enclosure addresses are stable
(podcast clients fetch them days later) and redirect to a fresh signed media URL.
"""

from markupsafe import Markup, escape

from core import hookimpl
from core.models import Channel, Theme
from core.plugin_api import FeedLink, Panel, _

NAME = "feeds"
AMPHI_TITLE = _("RSS feeds and podcasts")
AMPHI_DESCRIPTION = _("RSS feeds, ready for podcast apps, of the latest videos, a channel, a theme, a user or a tag.")
AMPHI_HOOKS = ">=1.2,<3"


def includeme(config):
    config.add_route("feeds.latest", "/feeds/latest.xml")
    config.add_route("feeds.user", "/feeds/users/{username}.xml")
    config.add_route("feeds.tag", "/feeds/tags/{tag}.xml")
    config.add_route("feeds.channel", "/feeds/channels/{channel:[a-z0-9-]+}.xml")
    config.add_route("feeds.theme", "/feeds/channels/{channel:[a-z0-9-]+}/themes/{theme:[a-z0-9-]+}.xml")
    config.add_route("feeds.enclosure", "/feeds/media/{video_id:\\d+}/{media:audio|video}")
    config.scan("plugins.feeds.views")


@hookimpl
def amphi_video_panels(request, video):
    """Subscribe links beside a public video: its owner's feed, its tags' and its public channels' feeds."""
    if video.access != "public":
        return []
    links = [
        (
            request.route_url("feeds.user", username=video.owner.username),
            request.translate("Videos of ${name}", name=video.owner.name),
        )
    ]
    links += [
        (request.route_url("feeds.tag", tag=tag.name), request.translate("Tag ${tag}", tag=tag.name))
        for tag in video.tags
    ]
    links += [
        (
            request.route_url("feeds.channel", channel=channel.slug),
            request.translate("Podcast of ${title} (RSS)", title=channel.title),
        )
        for channel in video.channels
        if channel.visibility == "public"
    ]
    items = "".join(
        f'<li><a href="{escape(url)}" type="application/rss+xml">{escape(text)}</a></li>' for url, text in links
    )
    return [
        Panel(id="feeds", title=request.translate("Podcast feeds (RSS)"), html=Markup(f"<ul>{items}</ul>"), order=300)
    ]


@hookimpl
def amphi_feed_links(request, subject):
    """The podcast feed of a channel or a theme page (audio; ``?media=video`` for the MP4s)."""
    if isinstance(subject, Channel):
        return [
            FeedLink(
                request.translate("Podcast of ${title} (RSS)", title=subject.title),
                request.route_url("feeds.channel", channel=subject.slug),
            )
        ]
    if isinstance(subject, Theme):
        return [
            FeedLink(
                request.translate("Podcast of ${title} (RSS)", title=subject.title),
                request.route_url("feeds.theme", channel=subject.channel.slug, theme=subject.slug),
            )
        ]
    return []

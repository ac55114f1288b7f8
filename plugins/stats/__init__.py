"""Statistics: views once per viewer per video per day, watch time, and the site's figures.

Owners see their videos' views per day; site admins also see uploads, hours uploaded,
storage used and the most viewed videos. Every table downloads as CSV.
"""

from datetime import timedelta

from pyramid.renderers import render

from core import hookimpl
from core.plugin_api import HomeBlock, NavItem, Panel, _
from plugins.stats import formatting, models  # noqa: F401  (the tables belong to the shared metadata)
from plugins.stats.access import may_see_video_stats
from plugins.stats.counting import record_view, record_watch_time, today
from plugins.stats.queries import Period, top_videos, video_totals, views_of

NAME = "stats"
AMPHI_TITLE = _("Statistics")
AMPHI_DESCRIPTION = _("Views, watch time and the site's figures.")
AMPHI_HOOKS = ">=2.1,<3"  # amphi_video_views came with 2.1


def includeme(config):
    config.add_route("stats.site", "/stats")
    config.add_route("stats.site.csv", "/stats/{table:uploads|top|storage}.csv")
    config.add_route("stats.storage.measure", "/stats/storage/measure")
    config.add_route("stats.video", "/videos/{video_id:\\d+}/stats")
    config.add_route("stats.video.csv", "/videos/{video_id:\\d+}/stats.csv")
    config.scan("plugins.stats.views")


@hookimpl
def amphi_video_viewed(request, video):
    record_view(request, video)


@hookimpl
def amphi_watch_progress(request, video, seconds_watched):
    record_watch_time(request, video, seconds_watched)


@hookimpl
def amphi_video_views(request, videos):
    """The cards' view counts: every video of the list, watched or not (0), so each card says it."""
    counts = views_of(request.dbsession, request.site.id, [v.id for v in videos])
    return {v.id: counts.get(v.id, 0) for v in videos}


@hookimpl
def amphi_nav_items(request):
    if request.user is not None and request.user.is_admin:
        return [NavItem(request.translate("Statistics"), request.route_url("stats.site"), order=800)]
    return []


@hookimpl
def amphi_video_panels(request, video):
    if not may_see_video_stats(request, video):
        return []
    views, seconds = video_totals(request.dbsession, video)
    html = render(
        "plugins.stats:templates/panel.html",
        {
            "video": video,
            "views": formatting.number(request, views),
            "hours": formatting.duration(request, seconds),
        },
        request=request,
    )
    return [Panel("stats", request.translate("Statistics"), html, order=900)]


#: The days the home page's "most viewed" block counts.
MOST_VIEWED_DAYS = 30


@hookimpl
def amphi_home_blocks(request):
    """A home page block: the site's most viewed videos of the last 30 days."""

    def most_viewed(limit: int) -> list[int]:
        end = today()
        period = Period(end - timedelta(days=MOST_VIEWED_DAYS - 1), end)
        return [row.video_id for row in top_videos(request.dbsession, request.site.id, period, limit)]

    return [HomeBlock("stats.most_viewed", request.translate("Most viewed"), most_viewed)]

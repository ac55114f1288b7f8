"""Live events: scheduled broadcasts published over RTMP, packaged to HLS, watched live, then replayed.

An owner schedules an event (or a weekly series) with the access rules of a video; a lecture-hall encoder
or OBS publishes to nginx-rtmp with the event's stream key, which :mod:`plugins.live.callbacks` admits
within the event's window; the packager (:mod:`plugins.live.packaging`) writes HLS that
:mod:`plugins.live.segments` serves behind signed URLs; viewers are counted by a beacon
(:mod:`plugins.live.viewers`); when the stream ends, :mod:`plugins.live.replay` turns the recordings
into a draft video. The chat plugin implements this plugin's hooks (:mod:`plugins.live.hookspecs`).
"""

from core import hookimpl
from core.plugin_api import HomeBlock, NavItem, Setting, _
from plugins.live import hookspecs, models, replay  # noqa: F401  (tables in the shared metadata; the sweep's periodic task)
from plugins.live.media_hooks import *  # noqa: F403  (live-media's hookimpls, seen by pluggy here)
from plugins.live.media_settings import MEDIA_SETTINGS

NAME = "live"
AMPHI_TITLE = _("Live events")
AMPHI_DESCRIPTION = _(
    "Scheduled live broadcasts with a stream key per event, a player with a time-shift window, "
    "viewer counts and a replay that becomes a video."
)
AMPHI_HOOKS = (
    ">=2.5,<3"  # its own hooks (AMPHI_HOOKSPECS) came with 2.2; amphi_metrics with 2.4; HomeBlock.markup with 2.5
)
#: Added to the hook contract when the plugin is loaded (see :class:`core.platform.plugins.PluginHost`).
AMPHI_HOOKSPECS = hookspecs


def includeme(config):
    config.include("plugins.live.segments")
    config.add_static_view("live-static", "plugins.live:static", cache_max_age=3600)
    config.add_route("live.events", "/live")
    config.add_route("live.mine", "/live/mine")
    config.add_route("live.new", "/live/new")
    config.add_route("live.event", "/live/events/{event_id:\\d+}")
    config.add_route("live.edit", "/live/events/{event_id:\\d+}/edit")
    config.add_route("live.unlock", "/live/events/{event_id:\\d+}/unlock")
    config.add_route("live.rotate", "/live/events/{event_id:\\d+}/rotate")
    config.add_route("live.audios", "/live/events/{event_id:\\d+}/audios")
    config.add_route("live.stop", "/live/events/{event_id:\\d+}/stop")
    config.add_route("live.status", "/live/events/{event_id:\\d+}/status")
    config.add_route("live.beacon", "/live/events/{event_id:\\d+}/beacon")
    config.add_route("live.rtmp.publish", "/live/rtmp/publish")
    config.add_route("live.rtmp.publish_done", "/live/rtmp/publish_done")
    config.add_route("live.rtmp.record_done", "/live/rtmp/record_done")
    config.scan("plugins.live.views")
    config.scan("plugins.live.callbacks")


@hookimpl
def amphi_metrics(registry):
    """Live viewers and events on air, per site, at ``/metrics``."""
    from plugins.live.viewers import viewer_gauges

    return viewer_gauges(registry)


@hookimpl
def amphi_settings():
    return [
        Setting(
            "publish_early_minutes",
            "int",
            30,
            label=_("Minutes before an event's start from which its stream key is accepted"),
        ),
        Setting("timezone", "str", "Europe/Paris", label=_("Time zone in which event times are entered and shown")),
        Setting(
            "resume_grace_seconds",
            "int",
            120,
            label=_("Seconds within which a stream that dropped may come back as the same broadcast"),
        ),
        Setting(
            "ingest_url",
            "str",
            "rtmp://localhost:1935/live",
            site_editable=False,
            label=_("RTMP address shown to the owners, to which encoders publish"),
        ),
        Setting(
            "callback_addresses",
            "list",
            "127.0.0.1 ::1",
            site_editable=False,
            label=_("Addresses (or networks) from which nginx-rtmp's callbacks are accepted"),
        ),
        Setting(
            "viewer_store",
            "str",
            "",
            site_editable=False,
            label=_("Where live viewers are counted: empty for this process's memory, or a redis:// URL"),
            help=_("Several web processes need Redis to share one count."),
        ),
        *MEDIA_SETTINGS,
    ]


@hookimpl
def amphi_nav_items(request):
    return [NavItem(request.translate("Live"), request.route_url("live.events"), order=150)]


@hookimpl
def amphi_home_blocks(request):
    """ "Live now": the events on air the visitor may watch, first on the home page unless the site's admins
    chose its blocks (left out while nothing is on air)."""
    from pyramid.renderers import render

    from plugins.live import events

    def on_air(limit: int) -> str:
        shown = events.on_air(request, limit)
        if not shown:
            return ""
        return render("plugins.live:templates/live/home_block.html", {"events": shown}, request=request)

    title = request.translate(_("Live now"))
    return [HomeBlock("live.on_air", title, markup=on_air, url=request.route_url("live.events"), shown_by_default=True)]


@hookimpl(optionalhook=True)
def amphi_chat_room_access(request, room):
    """The chat of room ``event-<id>`` (an event of the request's site) follows the event's access.

    Whoever may watch reads (anonymous viewers when the event allows it); signed-in viewers write while
    the event waits or is on air; the owners (and the site's admins) moderate.
    """
    from plugins.live.events import chat_access

    return chat_access(request, room)

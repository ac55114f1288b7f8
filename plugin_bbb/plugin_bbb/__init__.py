"""BigBlueButton: meetings created and joined from Amphi, their recordings, and the servers' webhooks.

Site admins configure the site's BigBlueButton servers (or Scalelite load balancers); owners create
meetings (who moderates, who attends, when, recorded or not); Amphi creates the meeting on the server
when the first person joins and sends each person in with the role they have. The servers' webhooks
and recording-ready callbacks tell Amphi when meetings start and end and when recordings are ready; a
periodic reconciliation catches what a missed callback would lose. Each recording is imported as a
draft video of the meeting's owners (its ``video`` file, its ``presentation`` filmed by the capture
worker, or its ``podcast`` as audio), and the owners publish, unpublish or delete it on the server.

On sites that enable the ``live`` plugin (and ``chat``, both optional: this plugin uses them through
their ``api`` modules only, and works without them), an owner broadcasts a running meeting into a live
event (:mod:`plugin_bbb.broadcasts`), with the chat carried both ways (:mod:`plugin_bbb.bridge`).

Public surface for the rest of the plugin: :mod:`plugin_bbb.client` (``BbbClient``, ``client_for``),
:mod:`plugin_bbb.models`, :func:`plugin_bbb.recordings.recordings_ready`, :mod:`plugin_bbb.testing`.
"""

import os

from core import hookimpl
from core.plugin_api import NavItem, NotificationKind, Setting, _
from plugin_bbb import broadcast_models, models  # noqa: F401  (tables in the shared metadata)

NAME = "bbb"
AMPHI_TITLE = _("BigBlueButton")
AMPHI_DESCRIPTION = _(
    "Web conferencing meetings on the site's BigBlueButton servers, joined with the right role, "
    "with their recordings imported as videos as they become ready."
)
AMPHI_HOOKS = ">=2.2,<3"
LOCALE_DIR = os.path.join(os.path.dirname(__file__), "locale")


def includeme(config):
    # Site administration: the servers.
    config.add_route("bbb.servers", "/admin/bbb")
    config.add_route("bbb.server.new", "/admin/bbb/new")
    config.add_route("bbb.server", "/admin/bbb/{server_id:\\d+}")
    config.add_route("bbb.server.test", "/admin/bbb/{server_id:\\d+}/test")
    config.add_route("bbb.server.hooks", "/admin/bbb/{server_id:\\d+}/hooks")
    config.add_route("bbb.server.delete", "/admin/bbb/{server_id:\\d+}/delete")
    # Meetings.
    config.add_route("bbb.mine", "/bbb")
    config.add_route("bbb.new", "/bbb/new")
    config.add_route("bbb.meeting", "/bbb/meetings/{meeting_id:\\d+}")
    config.add_route("bbb.edit", "/bbb/meetings/{meeting_id:\\d+}/edit")
    config.add_route("bbb.delete", "/bbb/meetings/{meeting_id:\\d+}/delete")
    config.add_route("bbb.join", "/bbb/meetings/{meeting_id:\\d+}/join")
    config.add_route("bbb.end", "/bbb/meetings/{meeting_id:\\d+}/end")
    config.add_route("bbb.ics", "/bbb/meetings/{meeting_id:\\d+}/meeting.ics")
    config.add_route("bbb.invite", "/bbb/invite/{meeting_id:\\d+}/{token}")
    config.add_route("bbb.recording_action", "/bbb/meetings/{meeting_id:\\d+}/recordings/{action:[a-z]+}")
    # Broadcasting a meeting into a live event (where the site enables live).
    config.add_route("bbb.broadcast", "/bbb/meetings/{meeting_id:\\d+}/broadcast")
    config.add_route("bbb.broadcast.start", "/bbb/meetings/{meeting_id:\\d+}/broadcast/start")
    config.add_route("bbb.broadcast.stop", "/bbb/meetings/{meeting_id:\\d+}/broadcast/stop")
    config.add_route("bbb.broadcast.chat", "/bbb/meetings/{meeting_id:\\d+}/broadcast/chat")
    # What the servers send.
    config.add_route("bbb.hook", "/bbb/hooks/{server_id:\\d+}/{token}")
    config.add_route("bbb.recording_ready", "/bbb/recording-ready/{server_id:\\d+}")
    config.add_translation_dirs(LOCALE_DIR)
    config.scan("plugin_bbb.admin")
    config.scan("plugin_bbb.views")
    config.scan("plugin_bbb.recording_views")
    config.scan("plugin_bbb.callbacks")
    config.scan("plugin_bbb.broadcast_views")
    # Their periodic tasks, tasks and webhook handlers are registered on import.
    from plugin_bbb import bridge, broadcasts, gateway, importing, reconcile, streamer  # noqa: F401


@hookimpl
def amphi_settings():
    return [
        Setting("timezone", "str", "Europe/Paris", label=_("Time zone in which meeting times are entered and shown")),
        Setting(
            "join_early_minutes",
            "int",
            15,
            label=_("Minutes before a meeting's start from which its attendees may join"),
        ),
        Setting(
            "site_url",
            "str",
            "",
            label=_("Address of the site for the BigBlueButton servers' callbacks"),
            help=_("For example https://video.example.edu; empty: https:// and the site's first domain."),
        ),
        Setting(
            "timeout_seconds",
            "int",
            10,
            site_editable=False,
            label=_("Seconds to wait for a BigBlueButton server's answer"),
        ),
        Setting(
            "streamer_name",
            "str",
            "Amphi live",
            label=_("Name of the viewer that streams a meeting (and writes the audience's messages into it)"),
        ),
        Setting(
            "broadcast_hours",
            "int",
            4,
            label=_("Hours a new live event lasts when its meeting has no scheduled end"),
        ),
        Setting(
            "alone_minutes",
            "int",
            2,
            label=_("Minutes after which a broadcast stops when only the streamer is left in the meeting"),
        ),
        Setting(
            "rtmp_url",
            "str",
            "",
            site_editable=False,
            label=_("RTMP address the capture worker and the gateways publish to"),
            help=_("Empty: the live plugin's address (amphi.live.ingest_url)."),
        ),
        Setting("capture_width", "int", 1280, site_editable=False, label=_("Width of a streamed meeting's picture")),
        Setting("capture_height", "int", 720, site_editable=False, label=_("Height of a streamed meeting's picture")),
        Setting("capture_fps", "int", 25, site_editable=False, label=_("Frames per second of a streamed meeting")),
        Setting(
            "capture_video_kbps",
            "int",
            2500,
            site_editable=False,
            label=_("Video bit rate of a streamed meeting, in kbit/s"),
        ),
        Setting(
            "reconcile_days",
            "int",
            14,
            label=_("Days during which the recordings of a meeting are looked for again"),
            help=_("The periodic reconciliation lists the recordings of the meetings that ran this recently."),
        ),
        Setting(
            "capture_size",
            "str",
            "1280x720",
            label=_("Size of the videos filmed from presentation playbacks"),
            help=_("Width x height, e.g. 1280x720 or 1920x1080: a larger film costs the capture host more."),
        ),
        Setting(
            "import_attempts",
            "int",
            3,
            label=_("Attempts at importing a recording before giving up"),
            help=_("A failed import (files missing, a capture that crashed) is tried again up to this many times."),
        ),
        Setting(
            "import_retry_minutes",
            "int",
            15,
            label=_("Minutes before a failed import is tried again"),
            help=_("Doubled after each failed attempt."),
        ),
    ]


@hookimpl
def amphi_notification_kinds(request):
    """The owners are told when a recording of their meeting became a video."""
    from plugin_bbb.importing import IMPORTED_KIND

    return [
        NotificationKind(
            IMPORTED_KIND,
            _("A recording of my meeting became a video"),
            _("A BigBlueButton recording of a meeting I own was imported as a draft video."),
        )
    ]


@hookimpl
def amphi_nav_items(request):
    """ "Meetings" for everyone signed in; "BigBlueButton servers" for the site's admins."""
    if request.user is None:
        return []
    items = [NavItem(request.translate("Meetings"), request.route_url("bbb.mine"), order=160)]
    if request.user.is_admin:
        items.append(NavItem(request.translate("BigBlueButton servers"), request.route_url("bbb.servers"), order=860))
    return items


@hookimpl(optionalhook=True)
def amphi_chat_message_posted(request, room, message):
    """A message in a live event's chat: into the meeting broadcast to it, if any (:mod:`plugin_bbb.bridge`)."""
    from plugin_bbb.bridge import message_posted

    message_posted(request, room, message)

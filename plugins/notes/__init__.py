"""Notes and comments: timestamped private notes and public comments beside the player.

A private note is seen by its author alone; a comment by everyone who may watch the video, who
may answer it. The video's owners (and site admins) hide or delete comments, or turn them off.
The panel follows playback (the notes of the moment are highlighted, a time seeks the player);
each viewer exports their own notes as text or CSV.
"""

from markupsafe import Markup

from core import hookimpl
from core.plugin_api import NavItem, NotificationKind, Panel, Setting, _, personal, personal_fragment
from plugins.notes import models  # noqa: F401  (the tables belong to the shared metadata)

NAME = "notes"
AMPHI_HOOKS = ">=2.1,<3"  # amphi_notification_kinds came with 2.1
AMPHI_TITLE = _("Notes and comments")
AMPHI_DESCRIPTION = _("Private timestamped notes and public comments beside the player.")


def includeme(config):
    config.add_static_view("notes-static", "plugins.notes:static", cache_max_age=3600)
    config.add_route("notes.mine", "/notes")
    config.add_route("notes.mine.export", "/notes/my-notes.{format:txt|csv}")
    config.add_route("notes.add", "/videos/{video_id:\\d+}/notes")
    config.add_route("notes.panel", "/videos/{video_id:\\d+}/notes/panel")
    config.add_route("notes.comments", "/videos/{video_id:\\d+}/notes/comments")
    config.add_route("notes.export", "/videos/{video_id:\\d+}/notes.{format:txt|csv}")
    config.add_route("notes.delete", "/videos/{video_id:\\d+}/notes/{note_id:\\d+}/delete")
    config.add_route("notes.hide", "/videos/{video_id:\\d+}/notes/{note_id:\\d+}/hide")
    config.add_route("api.notes", "/api/videos/{video_id:\\d+}/notes")
    config.scan("plugins.notes.views")


@hookimpl
def amphi_settings():
    return [
        Setting("per_hour", "int", 120, label=_("Notes and comments a user may add per hour"), help=_("0: no limit."))
    ]


@hookimpl
def amphi_notification_kinds(request):
    return [
        NotificationKind(
            "notes.reply",
            _("Someone answers my comment"),
            _("An answer to a comment I wrote on a video."),
        )
    ]


@hookimpl
def amphi_nav_items(request):
    if request.user is None:
        return []
    return [NavItem(request.translate("My notes"), request.route_url("notes.mine"), order=310)]


@personal_fragment("notes.panel", remember=True)
def notes_region(request, video_id: int) -> str:
    """The notes panel's inner HTML for the visitor who gets the page (their notes are theirs).

    It shows only notes, comments and settings (page content), so it is remembered per user and content generation.
    """
    from core.models import Video
    from plugins.notes.views import panel_html

    video = request.dbsession.get(Video, video_id)
    return panel_html(request, video) if video is not None else ""


@hookimpl
def amphi_video_panels(request, video):
    """The notes panel: the viewer's notes and the comments, synchronised with playback."""
    script = request.static_url("plugins.notes:static/notes.js")
    style = request.static_url("plugins.notes:static/notes.css")
    html = (
        Markup('<link rel="stylesheet" href="{}">').format(style)
        + Markup(
            '<div class="notes" data-notes data-offline="{}"><p class="visually-hidden" role="status" data-notes-status></p>'
        ).format(request.translate("The server could not be reached; what you wrote is still here."))
        + personal(request, "notes.panel", video_id=video.id)  # the viewer's own notes: rendered for each viewer
        + Markup('</div><script src="{}" defer></script>').format(script)
    )
    return [Panel("notes", request.translate("Notes and comments"), html, order=150)]

"""Enrichments: links, PDF documents, images, Markdown text or other videos of the site, each shown
beside the player from a start time to an end time; an editor with a timeline for the video's owners.

Files are stored in the site's storage under the video's prefix and served only to those who may
watch the video. Listings mark enriched videos with a badge (``amphi_video_badges``, one query per list).
"""

from pyramid.renderers import render

from core import hookimpl
from core.plugin_api import Badge, Panel, Setting, _, clock, video_permits
from plugins.enrichment import models  # noqa: F401  (the table belongs to the shared metadata)
from plugins.enrichment.editing import video_enrichments
from plugins.enrichment.showing import enriched_ids, show

NAME = "enrichment"
AMPHI_TITLE = _("Enrichments")
AMPHI_DESCRIPTION = _("Links, documents, images and texts shown beside the player at chosen times.")
AMPHI_HOOKS = ">=1.2,<3"


def includeme(config):
    config.add_route("enrichment.edit", "/videos/{video_id:\\d+}/enrichments")
    config.add_route("enrichment.item", "/videos/{video_id:\\d+}/enrichments/{enrichment_id:\\d+}")
    config.add_route("enrichment.delete", "/videos/{video_id:\\d+}/enrichments/{enrichment_id:\\d+}/delete")
    config.add_route("enrichment.file", "/videos/{video_id:\\d+}/enrichments/{enrichment_id:\\d+}/file")
    config.add_static_view("plugin-static/enrichment", "plugins.enrichment:static", cache_max_age=3600)
    config.scan("plugins.enrichment.views")


@hookimpl
def amphi_settings():
    return [
        Setting(
            "max_file_size",
            "int",
            20_000_000,
            label=_("Largest document or image (bytes)"),
            help=_("A larger PDF or image is refused with a message."),
        )
    ]


@hookimpl
def amphi_video_panels(request, video):
    shown = show(request, video_enrichments(request.dbsession, video))
    can_edit = video_permits(request, video, "edit")
    if not shown and not can_edit:
        return []
    html = render(
        "plugins.enrichment:templates/panel.html",
        {"video": video, "shown": shown, "can_edit": can_edit, "clock": clock},
        request=request,
    )
    return [Panel("enrichments", request.translate("Enrichments"), html, order=150)]


@hookimpl
def amphi_video_badges(request, videos):
    label = request.translate("Enriched")
    return {
        video_id: [Badge(label, "enriched")] for video_id in enriched_ids(request.dbsession, [v.id for v in videos])
    }


@hookimpl
def amphi_search_text(request, video):
    """Titles and texts of the enrichments (not the addresses, nor what documents hold)."""
    parts = [part for item in video_enrichments(request.dbsession, video) for part in (item.title, item.body) if part]
    return {"enrichments": "\n".join(parts)} if parts else None

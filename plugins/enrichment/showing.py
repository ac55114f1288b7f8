"""What a viewer sees of a video's enrichments: each one ready for the page, within the viewer's rights."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import select

from core.models import Video
from core.plugin_api import render_markdown, video_permits
from plugins.enrichment.models import Enrichment


@dataclass
class Shown:
    """An enrichment as the page shows it: ``href`` (link, file, video), ``html`` (text), ``target`` (video)."""

    item: Enrichment
    href: str = ""
    html: Markup | str = ""
    target: Video | None = None


def file_url(request, item: Enrichment) -> str:
    return request.route_url("enrichment.file", video_id=item.video_id, enrichment_id=item.id)


def show(request, items: list[Enrichment]) -> list[Shown]:
    """The enrichments the viewer may see, ready to render; a video they may not watch is left out."""
    targets = {
        v.id: v
        for v in request.dbsession.scalars(
            select(Video).where(Video.id.in_({i.target_video_id for i in items if i.target_video_id}))
        )
    }
    shown = []
    for item in items:
        if item.kind == "link":
            shown.append(Shown(item, href=item.url))
        elif item.kind in ("document", "image") and item.file_key:
            shown.append(Shown(item, href=file_url(request, item)))
        elif item.kind == "text":
            shown.append(Shown(item, html=render_markdown(item.body)))
        elif item.kind == "video":
            target = targets.get(item.target_video_id)
            if target is not None and video_permits(request, target, "view"):
                shown.append(Shown(item, href=request.route_url("video", video_id=target.id), target=target))
    return shown


def enriched_ids(dbsession, video_ids) -> set[int]:
    """Which of these videos have at least one enrichment: one query for the whole list."""
    ids = set(video_ids)
    if not ids:
        return set()
    return set(dbsession.scalars(select(Enrichment.video_id).where(Enrichment.video_id.in_(ids)).distinct()))

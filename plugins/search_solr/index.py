"""Writing the index: one video at a time (video events) or a whole site (``amphi search reindex``).

A failed update on a video event is logged and never breaks the event (the
database is the truth; ``amphi search reindex`` catches up); a failed reindex
raises :class:`SolrUnavailable` with Solr's message.
"""

from __future__ import annotations

import logging

import pysolr
from sqlalchemy import select

from core.models import Video
from core.plugin_api import AmphiError, search_document
from plugins.search_solr.client import connection, solr_document, solr_settings

log = logging.getLogger(__name__)
BATCH = 500


class SolrUnavailable(AmphiError):
    """Solr could not be reached or refused a request."""

    status = 503
    code = "search-unavailable"


def index_video(request, video: Video) -> bool:
    """Index a ready video of the request's site (else remove it); return whether it is indexed."""
    solr = connection(request)
    if solr is None or video is None:
        return False
    try:
        if video.status != "ready" or video.site_id != request.site.id:
            _delete(request, solr, video.id)
            return False
        solr.add([solr_document(search_document(request, video))],
                 commitWithin=solr_settings(request)["commit_within"])
    except pysolr.SolrError as exc:
        log.error("search_solr: video %s not indexed on site %s: %s", video.id, request.site.slug, exc)
        return False
    return True


def forget_video(request, video: Video) -> None:
    solr = connection(request)
    if solr is None or video is None:
        return
    try:
        _delete(request, solr, video.id)
    except pysolr.SolrError as exc:
        log.error("search_solr: video %s not removed from the index: %s", video.id, exc)


def _delete(request, solr, video_id: int) -> None:
    # Delete by query on the site too: a core shared by sites never loses another site's document.
    solr.delete(q=f"id:{int(video_id)} AND site_id:{int(request.site.id)}")
    solr.commit(softCommit=True)  # pysolr sends no commitWithin with a delete: made visible now


def reindex_site(request) -> int | None:
    """Replace the site's documents with its ready videos, in batches, then commit; None when off."""
    solr = connection(request)
    if solr is None:
        return None
    session = request.dbsession
    site_id = request.site.id
    ids = session.scalars(select(Video.id).where(Video.site_id == site_id, Video.status == "ready")
                          .order_by(Video.id)).all()
    try:
        solr.delete(q=f"site_id:{int(site_id)}")
        for start in range(0, len(ids), BATCH):
            videos = session.scalars(select(Video).where(Video.id.in_(ids[start:start + BATCH]))).all()
            solr.add([solr_document(search_document(request, video)) for video in videos])
        solr.commit()
    except pysolr.SolrError as exc:
        raise SolrUnavailable(f"search_solr: site {request.site.slug} not reindexed: {exc}") from exc
    return len(ids)

"""Writing the index: one video at a time (the tasks of :mod:`plugins.search_solr.tasks`, after the
video events have committed) or a whole site (``amphi search reindex``).

Both raise :class:`SolrUnavailable` with Solr's message when Solr fails: the
database is the truth, so a video task is tried again later and a reindex
catches up whatever was missed.
"""

from __future__ import annotations

import pysolr
from sqlalchemy import select

from core.models import Video
from core.plugin_api import AmphiError, search_document
from plugins.search_solr.client import connection, solr_document, solr_settings

BATCH = 500


class SolrUnavailable(AmphiError):
    """Solr could not be reached or refused a request."""

    status = 503
    code = "search-unavailable"


def index_video(request, video_id: int) -> bool:
    """Index a ready video of the request's site (else remove it); return whether it is indexed."""
    solr = connection(request)
    if solr is None:
        return False
    video = request.dbsession.get(Video, video_id)
    try:
        if video is None or video.status != "ready" or video.site_id != request.site.id:
            _delete(request, solr, video_id)
            return False
        solr.add([solr_document(search_document(request, video))], commitWithin=solr_settings(request)["commit_within"])
    except pysolr.SolrError as exc:
        site = request.site.slug
        raise SolrUnavailable(f"search_solr: video {video_id} not indexed on site {site}: {exc}") from exc
    return True


def forget_video(request, video_id: int) -> None:
    solr = connection(request)
    if solr is None:
        return
    try:
        _delete(request, solr, video_id)
    except pysolr.SolrError as exc:
        raise SolrUnavailable(f"search_solr: video {video_id} not removed from the index: {exc}") from exc


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
    ids = session.scalars(
        select(Video.id).where(Video.site_id == site_id, Video.status == "ready").order_by(Video.id)
    ).all()
    try:
        solr.delete(q=f"site_id:{int(site_id)}")
        for start in range(0, len(ids), BATCH):
            videos = session.scalars(select(Video).where(Video.id.in_(ids[start : start + BATCH]))).all()
            solr.add([solr_document(search_document(request, video)) for video in videos])
        solr.commit()
    except pysolr.SolrError as exc:
        raise SolrUnavailable(f"search_solr: site {request.site.slug} not reindexed: {exc}") from exc
    return len(ids)

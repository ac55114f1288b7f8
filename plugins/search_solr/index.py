"""Writing the index: one video at a time (the tasks of :mod:`plugins.search_solr.tasks`, after the
video events have committed) or a whole site (``amphi search reindex``).

Both raise :class:`SolrUnavailable` with Solr's message when Solr fails: the
database is the truth, so a video task is tried again later and a reindex
catches up whatever was missed.
"""

from __future__ import annotations

from collections.abc import Callable

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
    send = index_change(request, video_id)
    return send() if send is not None else False


def forget_video(request, video_id: int) -> None:
    send = forget_change(request, video_id)
    if send is not None:
        send()


def index_change(request, video_id: int) -> Callable[[], bool] | None:
    """What indexing ``video_id`` sends to Solr, read now (the request's transaction) and sent when
    called, so a task can send it after its transaction is closed; None when the site has no core."""
    solr = connection(request)
    if solr is None:
        return None
    video = request.dbsession.get(Video, video_id)
    if video is None or video.status != "ready" or video.site_id != request.site.id:
        remove = forget_change(request, video_id)

        def send_removal() -> bool:
            if remove is not None:
                remove()
            return False  # not indexed

        return send_removal
    document = solr_document(search_document(request, video))
    within, site = solr_settings(request)["commit_within"], request.site.slug

    def send() -> bool:
        try:
            solr.add([document], commitWithin=within)
        except pysolr.SolrError as exc:
            raise SolrUnavailable(f"search_solr: video {video_id} not indexed on site {site}: {exc}") from exc
        return True

    return send


def forget_change(request, video_id: int) -> Callable[[], bool] | None:
    """Removing ``video_id`` from the site's core, sent when called; None when the site has no core."""
    solr = connection(request)
    if solr is None:
        return None
    # Delete by query on the site too: a core shared by sites never loses another site's document.
    query = f"id:{int(video_id)} AND site_id:{int(request.site.id)}"

    def send() -> bool:
        try:
            solr.delete(q=query)
            solr.commit(softCommit=True)  # pysolr sends no commitWithin with a delete: made visible now
        except pysolr.SolrError as exc:
            raise SolrUnavailable(f"search_solr: video {video_id} not removed from the index: {exc}") from exc
        return True

    return send


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

"""The index follows the video events through tasks sent after the commit.

A video event only queues a task (:func:`core.platform.tasks.enqueue_after_commit`): a
rolled-back change never reaches Solr, and a slow or unreachable Solr never
slows or breaks the page that changed the video. The task takes ids, reads
what was committed in its own transaction, and fails when Solr does, so huey
tries again later; ``amphi search reindex`` catches up whatever is left.
"""

from __future__ import annotations

from core.models import Video
from core.plugin_api import enqueue_after_commit, huey, worker_request
from plugins.search_solr.client import solr_settings
from plugins.search_solr.index import forget_change, index_change

RETRIES = 5
RETRY_DELAY = 60  # seconds: a Solr restart, not a network blip


@huey.task(retries=RETRIES, retry_delay=RETRY_DELAY)
def index_video_task(site_id: int, video_id: int) -> None:
    """Write the video's committed state into its site's core (or remove it when it is not ready or gone)."""
    with worker_request(site_id) as request:
        send = index_change(request, video_id) if request.site is not None else None
    if send is not None:
        send()  # Solr is called with no transaction open


@huey.task(retries=RETRIES, retry_delay=RETRY_DELAY)
def forget_video_task(site_id: int, video_id: int) -> None:
    """Remove a deleted video from its site's core."""
    with worker_request(site_id) as request:
        send = forget_change(request, video_id) if request.site is not None else None
    if send is not None:
        send()  # Solr is called with no transaction open


def queue_index(request, video: Video) -> None:
    """Index ``video`` once the request's transaction has committed (nothing when the site has no core)."""
    if video is not None and _has_core(request):
        enqueue_after_commit(request, index_video_task, request.site.id, video.id)


def queue_forget(request, video: Video) -> None:
    """Remove ``video`` from the index once its deletion has committed."""
    if video is not None and _has_core(request):
        enqueue_after_commit(request, forget_video_task, request.site.id, video.id)


def _has_core(request) -> bool:
    return bool(solr_settings(request)["url"].strip())

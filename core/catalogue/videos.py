"""Deleting videos: the row, its media in storage, and the plugins told first."""

from __future__ import annotations

import logging

from core.models import Video
from core.pipeline import cancel_jobs
from core.pipeline.storage import video_prefix
from core.platform.plugins import fire

log = logging.getLogger(__name__)


def delete_video(request, video: Video) -> None:
    """Delete ``video``: fire ``amphi_video_deleted`` (row still there), delete the row,
    and once the transaction has committed, every stored byte under its prefix.

    The bytes go only after the commit, so an aborted deletion loses nothing.
    """
    fire(request, "amphi_video_deleted", video=video)
    cancel_jobs(request, video)
    storage, prefix = request.storage, video_prefix(video)
    request.dbsession.delete(video)
    request.dbsession.flush()

    def remove_media(committed: bool) -> None:
        if not committed:
            return
        try:
            storage.delete_prefix(prefix)
        except OSError:
            log.exception("could not delete the media under %s", prefix)

    request.tm.get().addAfterCommitHook(remove_media)

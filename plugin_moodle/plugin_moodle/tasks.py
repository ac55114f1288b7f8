"""The plugin's periodic work: expired launch values (states, nonces, launch data) are deleted, and the
courses' rosters are read again from their platforms, and scores whose sending gave up are sent again."""

from __future__ import annotations

import logging

from huey import crontab

from core.plugin_api import huey, worker_request
from plugin_moodle.adapter import sweep_values
from plugin_moodle.services import queue_roster_syncs, queue_unsent_scores

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*/15"))
def sweep_launch_values() -> None:
    with worker_request() as request:
        swept = sweep_values(request.dbsession)
    if swept:
        log.info("LTI: %d expired launch values deleted", swept)
    resent = queue_unsent_scores()
    if resent:
        log.info("LTI: %d scores to send again", resent)


@huey.periodic_task(crontab(minute="20", hour="*/6"))
def sync_rosters() -> None:
    queued = queue_roster_syncs()
    if queued:
        log.info("LTI: %d course rosters to read again", queued)

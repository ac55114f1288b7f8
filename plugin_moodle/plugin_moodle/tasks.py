"""The plugin's periodic work: expired launch values (states, nonces, launch data) are deleted."""

from __future__ import annotations

import logging

from huey import crontab

from core.plugin_api import huey, worker_request
from plugin_moodle.adapter import sweep_values

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*/15"))
def sweep_launch_values() -> None:
    with worker_request() as request:
        swept = sweep_values(request.dbsession)
    if swept:
        log.info("LTI: %d expired launch values deleted", swept)

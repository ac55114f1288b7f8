"""Where several web processes keep their metrics: chosen before prometheus_client is imported."""

from __future__ import annotations

import os
import shutil

from core.platform.settings import setting

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_processes(settings, workers: int) -> None:
    """Before the application is loaded by ``amphi serve`` with several processes: point prometheus_client's
    multiprocess mode at ``<var_dir>/metrics`` (emptied: the counts of an earlier run's processes go)."""
    if workers < 2 or not setting(settings, "amphi.metrics.enabled") or os.environ.get(MULTIPROC_ENV):
        return
    folder = os.path.join(setting(settings, "amphi.var_dir"), "metrics")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, mode=0o700)
    os.environ[MULTIPROC_ENV] = folder

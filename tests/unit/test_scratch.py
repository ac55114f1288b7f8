"""Scratch folders of killed workers are found by process id *and* start time (ids are reused)."""

import os
import subprocess
import sys

from core.pipeline.jobs import remove_orphan_scratch, scratch_dir
from core.platform.processes import process_start


class Registry:
    def __init__(self, var_dir):
        self.settings = {"amphi.var_dir": str(var_dir)}


def test_only_folders_of_live_processes_stay(tmp_path):
    registry = Registry(tmp_path)
    mine = scratch_dir(registry)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = tmp_path / "tmp" / f"job-{child.pid}-{12345}-abc"
    reused = tmp_path / "tmp" / f"job-{os.getpid()}-{process_start(os.getpid()) + 1}-abc"  # same id, other process
    before_upgrade = tmp_path / "tmp" / f"encode-{child.pid}-{12345}-abc"  # named before the job skeleton
    unrelated = tmp_path / "tmp" / "something-else"
    for folder in (dead, reused, before_upgrade, unrelated):
        folder.mkdir()
    assert remove_orphan_scratch(registry) == 3
    assert sorted(p.name for p in (tmp_path / "tmp").iterdir()) == sorted([os.path.basename(mine), "something-else"])
    assert process_start(os.getpid()) > 0 and process_start(child.pid) == 0

"""Real workers on real media: an imported file is encoded by `amphi worker`; a killed worker loses nothing."""

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import select, update

from core.models import Job, Video
from core.platform.db import make_engine
from core.testing import temporary_database, write_ini
from tests.mediafiles import make_clip


def amphi(ini, *args):
    return subprocess.run(
        [sys.executable, "-m", "core.cli", "-c", str(ini), *args],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )


def start_worker(ini, log):
    return subprocess.Popen(
        [sys.executable, "-m", "core.cli", "-c", str(ini), "worker", "-w", "1"], stdout=log, stderr=subprocess.STDOUT
    )


def wait_for(engine, video_id, predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            status = connection.scalar(select(Video.status).where(Video.id == video_id))
            job = connection.execute(
                select(Job.state, Job.progress, Job.attempts, Job.error)
                .where(Job.video_id == video_id)
                .order_by(Job.id.desc())
            ).first()
            connection.rollback()
        if predicate(status, job):
            return status, job
        time.sleep(0.1)
    raise AssertionError(f"video {video_id} stayed {status} / {job}")


def processes_working_in(folder, wait: float) -> list[int]:
    """Process ids whose working directory is under ``folder``, after waiting up to ``wait`` s for none."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for entry in os.listdir("/proc"):
            try:
                if entry.isdigit() and os.readlink(f"/proc/{entry}/cwd").startswith(str(folder)):
                    found.append(int(entry))
            except OSError:
                pass
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


@pytest.fixture
def installation(tmp_path):
    with temporary_database(tmp_path) as url:
        ini = write_ini(tmp_path, url, **{"amphi.jobs.heartbeat_seconds": "1", "amphi.jobs.stale_after": "3"})
        amphi(ini, "init", "--admin-password", "admin password 1")
        engine = make_engine(url)
        yield ini, engine
        engine.dispose()


def test_a_worker_kill_9_loses_nothing(installation, tmp_path):
    ini, engine = installation
    source = make_clip(tmp_path, "lecture.mp4", seconds=40, size="640x360")
    log = open(tmp_path / "worker.log", "w")
    worker = start_worker(ini, log)
    try:
        video_id = int(amphi(ini, "video", "import", "default", "admin", str(source)).stdout.split()[1])
        wait_for(engine, video_id, lambda s, j: j is not None and j.state == "running", 120)
        time.sleep(1)
        killed = worker.pid
        worker.send_signal(signal.SIGKILL)  # the worker dies in the middle of the encode
        worker.wait()
        assert not processes_working_in(tmp_path / "var" / "tmp", wait=5)  # its ffmpeg died with it
        status, job = wait_for(engine, video_id, lambda s, j: True, 1)
        assert status == "processing" and job.state == "running"
        time.sleep(3.5)  # its heartbeat goes stale
        worker = start_worker(ini, log)  # a new worker sweeps at start-up and takes the job again
        status, job = wait_for(engine, video_id, lambda s, j: s in ("ready", "failed"), 240)
        assert (status, job.state, job.attempts) == ("ready", "done", 2), (tmp_path / "worker.log").read_text()[-3000:]
        outputs = list((tmp_path / "var" / "media").rglob("outputs/*"))
        assert len(outputs) == 1  # only the published attempt's folder remains
        # the killed worker's scratch is gone (the new worker may still be making the card image in its own)
        assert [p.name for p in (tmp_path / "var" / "tmp").iterdir() if p.name.split("-")[1:2] == [str(killed)]] == []
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
        log.close()
    assert os.path.exists(source)


def test_cancel_stops_ffmpeg_within_seconds(tmp_path):
    slow = {
        "amphi.jobs.heartbeat_seconds": "0.5",
        "amphi.encoder_ffmpeg.preset": "veryslow",
        "amphi.encoder_ffmpeg.storyboard_interval": "1",
    }  # a sprite that could only be tiled at the end
    source = make_clip(tmp_path, "lecture.mp4", seconds=10, size="640x360")
    with temporary_database(tmp_path) as url:
        ini = write_ini(tmp_path, url, **slow)
        amphi(ini, "init", "--admin-password", "admin password 1")
        engine = make_engine(url)
        log = open(tmp_path / "worker.log", "w")
        worker = start_worker(ini, log)
        try:
            video_id = int(amphi(ini, "video", "import", "default", "admin", str(source)).stdout.split()[1])
            wait_for(engine, video_id, lambda s, j: j is not None and j.state == "running", 120)
            time.sleep(1)  # under way
            assert processes_working_in(tmp_path / "var" / "tmp", wait=0)  # ffmpeg is encoding
            with engine.begin() as connection:  # what the owner's Cancel button does to a running job
                connection.execute(update(Job).where(Job.video_id == video_id).values(cancel_requested=True))
            asked = time.monotonic()
            status, job = wait_for(engine, video_id, lambda s, j: j.state != "running", 120)
            waited = time.monotonic() - asked
            assert (status, job.state) == ("failed", "cancelled")
            assert not processes_working_in(tmp_path / "var" / "tmp", wait=0)
            assert waited < 4, f"cancelled after {waited:.1f} s"
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
            log.close()
            engine.dispose()

"""`amphi serve` and its embedded worker as real processes (issue 13, items 14 and 15).

A worker killed with ``kill -9`` is reaped and started again, and the job it was running is
requeued and finished; a server killed with ``kill -9`` takes its worker along.
"""

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from core.models import Job, Video
from core.platform.db import make_engine
from core.testing import run_amphi, serving, temporary_database, write_ini
from tests.mediafiles import make_clip


def process_table() -> dict[int, tuple[int, str, str]]:
    """{pid: (parent pid, state, command line)} of every process."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                state, parent = stat.read().rsplit(")", 1)[1].split()[:2]
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        table[int(entry)] = (int(parent), state, command)
    return table


def workers_of(server_pid: int) -> list[int]:
    """Living `amphi worker` children of ``server_pid``."""
    return [
        pid
        for pid, (parent, state, command) in process_table().items()
        if parent == server_pid and state != "Z" and " worker " in command
    ]


def open_files(pid: int) -> set[str]:
    folder = f"/proc/{pid}/fd"
    paths = set()
    for name in os.listdir(folder) if os.path.isdir(folder) else []:
        try:
            paths.add(os.readlink(os.path.join(folder, name)))
        except OSError:
            pass
    return paths


def wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.1)


def is_dead(pid: int) -> bool:
    """Gone, or a zombie that only waits for its parent (init) to reap it."""
    entry = process_table().get(pid)
    return entry is None or entry[1] == "Z"


def server_pid(ini) -> int:
    """The `amphi serve` process of ``ini`` started by this test process."""
    return wait_for(
        lambda: next(
            (
                pid
                for pid, (parent, _, command) in process_table().items()
                if parent == os.getpid() and str(ini) in command and " serve " in command
            ),
            None,
        ),
        30,
        "amphi serve",
    )


def import_video(ini, source) -> int:
    done = subprocess.run(
        [sys.executable, "-m", "core.cli", "-c", str(ini), "video", "import", "default", "admin", str(source)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return int(done.stdout.split()[1])


def job_of(engine, video_id):
    with engine.connect() as connection:
        status = connection.scalar(select(Video.status).where(Video.id == video_id))
        job = connection.execute(
            select(Job.state, Job.attempts, Job.worker, Job.error).where(Job.video_id == video_id)
        ).first()
    return status, job


@pytest.fixture
def installation(tmp_path):
    """An embedded-worker installation whose encodes take a few seconds; the heartbeat goes stale only
    after a minute, so a prompt requeue can only come from knowing the worker's process has ended."""
    with temporary_database(tmp_path) as url:
        ini = write_ini(
            tmp_path,
            url,
            **{
                "amphi.worker.embedded": "true",
                "amphi.jobs.heartbeat_seconds": "1",
                "amphi.encoder_ffmpeg.preset": "slow",
            },
        )
        run_amphi(ini, "init", "--admin-password", "admin password 1")
        engine = make_engine(url)
        yield ini, engine
        engine.dispose()


def test_serve_restarts_its_killed_worker_which_finishes_the_interrupted_job(installation, tmp_path):
    ini, engine = installation
    lecture = make_clip(tmp_path, "lecture.mp4", seconds=10, size="320x240")
    with serving(ini, tmp_path):
        server = server_pid(ini)
        (first,) = wait_for(lambda: workers_of(server), 60, "the embedded worker")
        video_id = import_video(ini, lecture)
        wait_for(
            lambda: job_of(engine, video_id)[1] and job_of(engine, video_id)[1].state == "running",
            120,
            "the encode to start",
        )
        os.kill(first, signal.SIGKILL)
        (second,) = wait_for(lambda: workers_of(server), 30, "a new worker")
        assert second != first
        assert first not in process_table()  # reaped by serve: no zombie left behind
        later = import_video(ini, make_clip(tmp_path, "later.mp4", seconds=2))  # an upload after the kill
        for video in (video_id, later):
            wait_for(lambda video=video: job_of(engine, video)[0] in ("ready", "failed"), 240, f"video {video}")
        (status, job), (later_status, later_job) = job_of(engine, video_id), job_of(engine, later)
        assert (status, job.state, job.attempts) == ("ready", "done", 2), job.error  # requeued, then finished
        assert (later_status, later_job.state) == ("ready", "done")
        assert "starting it again in 1.0 s" in (tmp_path / "server.log").read_text()


def web_processes_of(server_pid: int) -> list[int]:
    return [
        pid
        for pid, (parent, state, command) in process_table().items()
        if parent == server_pid and state != "Z" and " serve " in command
    ]


@pytest.mark.parametrize("processes", [1, 2])
def test_a_killed_serve_takes_its_worker_along(installation, tmp_path, processes):
    ini, _engine = installation
    log = open(tmp_path / "serve.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "-c", str(ini), "serve", "--port", "0", "--workers", str(processes)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    children = []
    try:
        (worker,) = wait_for(lambda: workers_of(server.pid), 60, "the embedded worker")
        web = web_processes_of(server.pid) if processes > 1 else []  # forked before the worker started
        assert len(web) == (processes if processes > 1 else 0)
        children = [worker, *web]
        queue = str(tmp_path / "var" / "huey.sqlite")
        wait_for(lambda: queue in open_files(worker), 120, "the worker to consume its queue")
        server.send_signal(signal.SIGKILL)
        server.wait()
        wait_for(lambda: all(is_dead(pid) for pid in children), 5, "the orphaned children to die")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        for pid in children:  # when this test fails: leave no orphan behind
            if not is_dead(pid):
                os.kill(pid, signal.SIGKILL)
        log.close()

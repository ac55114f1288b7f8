"""Workers on several hosts that share nothing but PostgreSQL, Redis and the object store.

Two ``amphi worker`` processes run from two folders, each with its own ini and scratch folder, no media
folder (SeaweedFS holds every file), the same database and the same Redis (a private ``redis-server`` with
its append-only file, so that the tests may stop it). The workers are started once for the module; the
tests run in order: a mixed queue drained with no job done twice, a worker killed mid-encode whose job the
other finishes, then Redis gone for a while (standing for a minute) and the queue drained afterwards.
"""

import shutil
import signal
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager

import pytest
import redis
from sqlalchemy import select

from core.models import Job, Video
from core.platform.db import make_engine
from core.testing import database_kind, free_port, run_amphi, temporary_database, write_ini
from tests.mediafiles import make_clip

pytestmark = pytest.mark.skipif(
    database_kind() == "sqlite",
    reason="workers on several hosts share PostgreSQL; on SQLite the queue is huey-on-SQLite, the embedded layout",
)

REDIS = shutil.which("redis-server")
FAST = {
    "amphi.jobs.heartbeat_seconds": "0.5",
    "amphi.jobs.stale_after": "3",
    "amphi.jobs.sweep_seconds": "1",
    "amphi.jobs.per_site": "20",
    "amphi.encoder_ffmpeg.preset": "ultrafast",
    "amphi.encoder_ffmpeg.rungs": "360p",
    "amphi.encoder_ffmpeg.download_rungs": "360p",
    "amphi.encoder_ffmpeg.thumbnails": "1",
}

LOGGING = """
[loggers]
keys = root
[handlers]
keys = console
[formatters]
keys = plain
[logger_root]
level = INFO
handlers = console
[handler_console]
class = StreamHandler
args = (sys.stderr,)
formatter = plain
[formatter_plain]
format = %(asctime)s %(levelname)s %(name)s %(message)s
"""

#: Queues jobs as the web application does (after the commit), with a host's ini: ``import=FILE`` (an encode)
#: or ``downloads=VIDEO_ID`` (the ``audio-downloads`` kind on an encoded video); a line of them on its
#: standard input is one transaction, answered by a line of the new videos' ids.
QUEUE = textwrap.dedent(
    """
    import os, sys, uuid
    from pyramid.paster import bootstrap
    from core.access.users import find_user
    from core.ingest import ingest_stored_file
    from core.models import Site, Video
    from core.pipeline import queue_job
    from core.pipeline.audio_tracks import audio_files
    from core.pipeline.storage import get_storage, upload_key
    from core.platform.tasks import worker_request

    with bootstrap(sys.argv[1]):
        with worker_request() as request:
            site_id = request.dbsession.query(Site.id).filter_by(slug="default").scalar()
        for line in sys.stdin:  # one transaction per line
            with worker_request(site_id) as request:
                request.storage = get_storage(request.registry, request.site)
                owner = find_user(request.dbsession, site_id, "admin")
                created = []
                for arg in line.split():
                    what, _, value = arg.partition("=")
                    if what == "import":
                        key = upload_key(site_id, uuid.uuid4().hex)
                        with open(value, "rb") as handle:
                            request.storage.save(key, handle)
                        video = ingest_stored_file(request, owner, key, os.path.basename(value), title=value)
                        request.dbsession.flush()
                        created.append(str(video.id))
                    else:
                        video = request.dbsession.get(Video, int(value))
                        rendition = audio_files(video)[0].rendition
                        queue_job(request, video, "audio-downloads", params={"rendition": rendition})
            print(" ".join(created), flush=True)
    """
)


@contextmanager
def redis_server(folder, port):
    """A private redis-server on ``port`` with its append-only file in ``folder``; yields (start, stop)."""
    state = {}

    def start():
        state["process"] = subprocess.Popen(
            [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", ""]
            + ["--appendonly", "yes", "--appendfsync", "always"],
            stdout=open(folder / "redis.log", "a"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=port, socket_connect_timeout=1).ping()
                break
            except redis.exceptions.ConnectionError:
                assert time.monotonic() < deadline, (folder / "redis.log").read_text()
                time.sleep(0.05)

    def stop():
        state["process"].terminate()  # a clean stop: the append-only file is flushed
        state["process"].wait(timeout=10)

    start()
    try:
        yield start, stop
    finally:
        if state["process"].poll() is None:
            stop()


def host_ini(folder, database_url, queue_url, settings):
    """``folder``'s ini: the shared database, Redis and bucket; its own var/ (scratch) folder, no shared media."""
    folder.mkdir()
    ini = write_ini(folder, database_url, **settings)
    ini.write_text(ini.read_text().replace(f"sqlite:///{folder}/var/huey.sqlite", queue_url) + LOGGING)
    return ini


class Host:
    """A worker host: its folder, ini, log and ``amphi worker --kinds KINDS --concurrency N`` process."""

    def __init__(self, ini, kinds, concurrency, *more):
        self.ini, self.kinds = ini, set(kinds.split(",")) - {"tasks"}
        self.log = ini.parent / "worker.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "core.cli", "-c", str(ini), "worker", "--kinds", kinds]
            + ["--concurrency", str(concurrency), *more],
            stdout=open(self.log, "a"),
            stderr=subprocess.STDOUT,
        )

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)


class Layout:
    def __init__(self, root, url, hosts, start_redis, stop_redis):
        self.root, self.hosts, self.start_redis, self.stop_redis = root, hosts, start_redis, stop_redis
        self.engine = make_engine(url)
        self.queuer = subprocess.Popen(  # started once: the application takes seconds to load
            [sys.executable, "-c", QUEUE, str(hosts[0].ini)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(root / "queue.log", "w"),
            text=True,
        )

    def queue(self, *args) -> list[int]:
        self.queuer.stdin.write(" ".join(map(str, args)) + "\n")
        self.queuer.stdin.flush()
        answer = self.queuer.stdout.readline()
        assert answer, (self.root / "queue.log").read_text()[-3000:]
        return [int(word) for word in answer.split()]

    def jobs(self, video_ids):
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(Job.id, Job.video_id, Job.kind, Job.state, Job.worker, Job.attempts, Video.status)
                .join(Video, Video.id == Job.video_id)
                .where(Job.video_id.in_(video_ids))
                .order_by(Job.id)
            ).all()
            connection.rollback()
        return rows

    def wait(self, video_ids, predicate, seconds=40):
        deadline = time.monotonic() + seconds
        while True:
            rows = self.jobs(video_ids)
            if predicate(rows):
                return rows
            if time.monotonic() > deadline:
                logs = "\n".join(h.log.read_text()[-2500:] for h in self.hosts)
                raise AssertionError(f"jobs stayed {rows}\n{logs}")
            time.sleep(0.1)

    def host_of(self, worker: str):
        """The host whose process ran a job (``Job.worker`` is host:pid:start:namespace)."""
        pid = int(worker.split(":")[1])
        return next(h for h in self.hosts if h.process.pid == pid)


def output_folders(layout, video_id) -> set[str]:
    """The ``…/videos/<id>/outputs/<job id>`` prefixes of a video in the bucket (one per published encode)."""
    keys = []
    for page in layout.s3.get_paginator("list_objects_v2").paginate(Bucket=layout.bucket):
        keys += [item["Key"] for item in page.get("Contents", ())]
    return {
        key.split("/outputs/")[0] + "/outputs/" + key.split("/outputs/")[1].split("/")[0]
        for key in keys
        if f"/videos/{video_id}/outputs/" in key
    }


def waiting_in_redis(port: int) -> int:
    """The tasks waiting in huey's queues of the Redis on ``port``."""
    client = redis.Redis(port=port)
    try:
        return sum(client.llen(key) for key in client.keys("huey.redis.*") if client.type(key) == b"list")
    finally:
        client.close()


def finished(rows):
    return rows and all(row.state in ("done", "failed", "cancelled") for row in rows)


@pytest.fixture(scope="module")
def layout(s3_server, tmp_path_factory):
    if REDIS is None:
        pytest.skip("redis-server is not installed (apt redis-server; scripts/bootstrap.sh installs it)")
    root = tmp_path_factory.mktemp("hosts")
    port = free_port()
    with redis_server(root, port) as (start_redis, stop_redis), temporary_database(root) as url:
        bucket = s3_server.new_bucket()
        settings = {**FAST, **s3_server.settings(bucket)}
        queue_url = f"redis://127.0.0.1:{port}/0"
        ini_a = host_ini(root / "a", url, queue_url, settings)
        ini_b = host_ini(root / "b", url, queue_url, settings)
        run_amphi(ini_a, "init", "--admin-password", "admin password 1")
        hosts = [Host(ini_a, "encode,tasks", 2), Host(ini_b, "encode,audio-downloads,tasks", 1, "--encoder", "cpu")]
        layout = Layout(root, url, hosts, start_redis, stop_redis)
        layout.s3, layout.bucket, layout.redis_port = s3_server.client(), bucket, port
        try:
            yield layout
        finally:
            for host in hosts:
                host.stop()
            layout.queuer.stdin.close()
            layout.queuer.wait(timeout=30)
            layout.engine.dispose()


def test_two_hosts_drain_a_mixed_queue_each_job_once(layout, tmp_path):
    clips = [make_clip(tmp_path, f"clip{n}.mp4", seconds=2) for n in range(2)]
    videos = layout.queue(*(f"import={clip}" for clip in clips))
    rows = layout.wait(videos, finished)
    assert [(r.kind, r.state, r.attempts, r.status) for r in rows] == [("encode", "done", 1, "ready")] * 2
    more = layout.queue(
        *(f"downloads={video}" for video in videos), f"import={make_clip(tmp_path, 'c3.mp4', seconds=2)}"
    )
    rows = layout.wait(videos + more, lambda rows: len(rows) == 5 and finished(rows))
    assert (
        sorted((r.kind, r.state, r.attempts) for r in rows)
        == [("audio-downloads", "done", 1)] * 2 + [("encode", "done", 1)] * 3
    )
    assert "audio-downloads jobs and the other tasks, 1 at a time, encoder cpu" in layout.hosts[1].log.read_text()
    for row in rows:  # each job was run by a host that serves its kind
        assert row.kind in layout.host_of(row.worker).kinds, row
    # no job done twice: one published encode per video in the bucket, each download written once
    for video_id in videos + more:
        assert len(output_folders(layout, video_id)) == 1
    for host in layout.hosts:  # nothing was written to a media folder of a host; the scratch is empty
        assert not (host.ini.parent / "var" / "media").exists() or not any(
            (host.ini.parent / "var" / "media").rglob("*.mp4")
        )
        assert not list((host.ini.parent / "var" / "tmp").glob("job-*"))


def test_a_host_killed_mid_encode_its_job_finished_by_the_other(layout, tmp_path):
    video = layout.queue(f"import={make_clip(tmp_path, 'long.mp4', seconds=12)}")
    # killed as soon as it claimed the job: mid-job (fetching the source from the store, or encoding it)
    rows = layout.wait(video, lambda rows: rows[0].state == "running" and rows[0].worker)
    victim = layout.host_of(rows[0].worker)
    survivor = next(h for h in layout.hosts if h is not victim)
    victim.process.send_signal(signal.SIGKILL)
    victim.process.wait()
    layout.hosts.remove(victim)
    rows = layout.wait(video, finished)
    assert [(r.state, r.attempts, r.status) for r in rows] == [("done", 2, "ready")]
    assert layout.host_of(rows[0].worker) is survivor
    assert len(output_folders(layout, video[0])) == 1  # the killed attempt left nothing published
    assert "lost its worker" in survivor.log.read_text()


def test_redis_gone_for_a_while_then_the_queue_is_drained(layout, tmp_path):
    host = layout.hosts[0]  # the one left
    clips = [make_clip(tmp_path, f"r{n}.mp4", seconds=2) for n in range(3)]
    videos = layout.queue(*(f"import={clip}" for clip in clips))
    layout.wait(videos, lambda rows: any(r.state == "running" for r in rows))
    layout.stop_redis()  # standing for a minute's outage
    queued = sum(r.state == "queued" for r in layout.jobs(videos))
    assert queued >= 1  # at least one waits in Redis
    deadline = time.monotonic() + 10
    while "the task queue is unreachable" not in host.log.read_text() or time.monotonic() < deadline:
        time.sleep(0.2)
    assert host.process.poll() is None  # the worker kept running without Redis
    host.process.send_signal(signal.SIGSTOP)  # so that what Redis holds at its start can be counted
    try:
        layout.start_redis()
        assert waiting_in_redis(layout.redis_port) >= queued  # kept by its append-only file
    finally:
        host.process.send_signal(signal.SIGCONT)
    rows = layout.wait(videos, finished, seconds=60)
    assert [(r.state, r.attempts, r.status) for r in rows] == [("done", 1, "ready")] * 3
    assert host.process.poll() is None
    log = host.log.read_text()
    assert log.count("the task queue is unreachable") == 1 and "the task queue answers again" in log

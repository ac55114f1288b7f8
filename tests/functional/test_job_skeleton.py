"""The job skeleton (core.pipeline.jobs): no transaction stays open while a job works; its outcome is written once."""

from __future__ import annotations

import io
import re
import threading
import time
from dataclasses import dataclass

import pytest
from sqlalchemy import event, text

from core import hookimpl
from core.ingest import create_video
from core.models import Job, MediaFile, User, Video
from core.pipeline import cancel_jobs, run_job
from core.pipeline.jobs import JobContext, JobKind
from core.pipeline.media import EncodeCancelled
from core.pipeline.storage import upload_key
from core.platform.db import make_engine
from core.platform.tasks import worker_request
from core.testing import database_kind
from plugins.storage_local.storage import LocalStorage
from tests.standin import upload


@dataclass
class BlockingKind(JobKind):
    """A job kind whose work waits until the test releases it, then publishes the title in capitals."""

    working: threading.Event
    release: threading.Event

    def read(self, request, job: Job) -> str:
        return job.video.title

    def work(self, job: JobContext, title: str, scratch: str, progress) -> str:
        self.working.set()
        while not self.release.wait(0.05):
            if not progress(0.5):
                raise EncodeCancelled()
        return title.upper()

    def publish(self, request, video: Video, job: JobContext, title: str, result: str) -> None:
        video.title = result


class BlockingJobs:
    """A plugin that runs ``blocking`` jobs, as a live recording import would run its own kind."""

    def __init__(self):
        self.working, self.release = threading.Event(), threading.Event()

    @hookimpl
    def amphi_job_handlers(self):
        return {"blocking": BlockingKind(self.working, self.release)}


@pytest.fixture
def blocking(register_plugin):
    plugin = BlockingJobs()
    register_plugin(plugin, "blocking_jobs")
    yield plugin
    plugin.release.set()


def run_in_a_thread(site_id: int, user_id: int, kind: str) -> tuple[int, int, threading.Thread]:
    """Queue a ``kind`` job of a new video (a few bytes as its source) and run it in a thread."""
    with worker_request(site_id) as request:
        key = upload_key(site_id, f"skeleton-{kind}")
        request.storage.save(key, io.BytesIO(b"bytes"))
        video = create_video(request, request.dbsession.get(User, user_id), "Lecture", status="uploaded")
        request.dbsession.add(MediaFile(video_id=video.id, kind="source", key=key))
        job = Job(video_id=video.id, kind=kind)
        request.dbsession.add(job)
        request.dbsession.flush()
        video_id, job_id = video.id, job.id
    worker = threading.Thread(target=run_job.call_local, args=(job_id,))
    worker.start()
    return video_id, job_id, worker


def idle_in_transaction(database_url: str) -> list[tuple[int, str]]:
    """The connections to the test database that sit in an open transaction, seen from another connection."""
    engine = make_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            return [
                tuple(row)
                for row in connection.execute(
                    text(
                        "SELECT pid, query FROM pg_stat_activity"
                        " WHERE datname = current_database() AND state LIKE 'idle in transaction%'"
                    )
                )
            ]
    finally:
        engine.dispose()


def idle_while(app, started: threading.Event, release: threading.Event, worker: threading.Thread, never: str):
    """What ``idle_in_transaction`` sees a few times once ``started`` is set, before the job is released."""
    try:
        assert started.wait(10), never
        seen = []
        for _ in range(5):
            seen += idle_in_transaction(app.registry.settings["amphi.database_url"])
            time.sleep(0.05)
    finally:
        release.set()
        worker.join(timeout=10)
    return seen


def job_state(job_id: int) -> tuple[str, float]:
    with worker_request() as request:
        job = request.dbsession.get(Job, job_id)
        return job.state, job.progress


@pytest.mark.skipif(database_kind() != "postgresql", reason="pg_stat_activity is PostgreSQL's")
@pytest.mark.parametrize("kind", ["blocking", "encode"])
def test_no_connection_of_the_worker_is_idle_in_transaction_while_a_job_works(
    kind, app, blocking, encoder, committed_site, fast_pipeline, monkeypatch
):
    monkeypatch.setitem(app.registry.settings, "amphi.jobs.heartbeat_seconds", "60")  # no beat during the look
    encoder.behaviour = "blocked"
    working, release = (
        (blocking.working, blocking.release) if kind == "blocking" else (encoder.working, encoder.release)
    )
    _, job_id, worker = run_in_a_thread(*committed_site, kind)
    assert idle_while(app, working, release, worker, "the job never started its work") == []
    assert job_state(job_id) == ("done", 100.0)


@pytest.mark.skipif(database_kind() != "postgresql", reason="pg_stat_activity is PostgreSQL's")
def test_no_connection_is_idle_in_transaction_while_an_encode_stores_its_outputs(
    app, encoder, committed_site, fast_pipeline, monkeypatch
):
    """The outputs are copied to storage (minutes to S3 for a long lecture) before the publishing transaction."""
    monkeypatch.setitem(app.registry.settings, "amphi.jobs.heartbeat_seconds", "60")
    storing, release = threading.Event(), threading.Event()
    original = LocalStorage.put_tree

    def slow_put_tree(self, folder, prefix):
        storing.set()
        release.wait(10)
        return original(self, folder, prefix)

    monkeypatch.setattr(LocalStorage, "put_tree", slow_put_tree)
    _, job_id, worker = run_in_a_thread(*committed_site, "encode")
    assert idle_while(app, storing, release, worker, "the encode never stored its outputs") == []
    assert job_state(job_id) == ("done", 100.0)


@pytest.fixture
def job_outcomes(app):
    """The UPDATE statements that write a job's outcome (its end time), as the database receives them."""
    written = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if re.match(r"\s*UPDATE jobs SET .*finished_at", statement, re.S):
            written.append((statement, parameters))

    engine = app.registry["db_engine"]
    event.listen(engine, "before_cursor_execute", record)
    yield written
    event.remove(engine, "before_cursor_execute", record)


def test_a_finished_encode_writes_its_outcome_once(encoder, committed_site, fast_pipeline, job_outcomes):
    video_id = upload(*committed_site)
    with worker_request() as request:
        assert [(j.kind, j.state) for j in request.dbsession.get(Video, video_id).jobs] == [("encode", "done")]
    assert len(job_outcomes) == 1


def test_a_plugins_job_kind_publishes_in_the_skeleton_and_writes_its_outcome_once(
    blocking, committed_site, fast_pipeline, job_outcomes
):
    blocking.release.set()
    video_id, job_id, worker = run_in_a_thread(*committed_site, "blocking")
    worker.join(timeout=10)
    with worker_request() as request:
        assert request.dbsession.get(Video, video_id).title == "LECTURE"
    assert job_state(job_id) == ("done", 100.0)
    assert len(job_outcomes) == 1


def test_a_cancelled_job_writes_its_outcome_once(blocking, committed_site, fast_pipeline, job_outcomes):
    site_id, user_id = committed_site
    video_id, job_id, worker = run_in_a_thread(site_id, user_id, "blocking")
    assert blocking.working.wait(10)
    with worker_request(site_id) as request:
        assert cancel_jobs(request, request.dbsession.get(Video, video_id)) == 1
    worker.join(timeout=10)
    assert job_state(job_id)[0] == "cancelled"
    assert len(job_outcomes) == 1
    with worker_request() as request:
        assert request.dbsession.get(Video, video_id).title == "Lecture"  # nothing was published


def test_a_result_is_not_published_over_a_job_taken_by_another_worker(
    app, blocking, committed_site, fast_pipeline, job_outcomes, monkeypatch
):
    monkeypatch.setitem(app.registry.settings, "amphi.jobs.heartbeat_seconds", "60")  # the beat would stop it sooner
    video_id, job_id, worker = run_in_a_thread(*committed_site, "blocking")
    assert blocking.working.wait(10)
    with worker_request() as request:  # its heartbeat went stale, a sweeper requeued it, another worker took it
        request.dbsession.get(Job, job_id).worker = "another-worker:1:1:1"
    blocking.release.set()
    worker.join(timeout=10)
    assert job_state(job_id)[0] == "running" and job_outcomes == []
    with worker_request() as request:
        assert request.dbsession.get(Video, video_id).title == "Lecture"

"""The job pipeline with a stand-in encoder: publication, failures, retries, cancellation, the sweeper.

The real encoder has its own tests (test_encoder_media.py); here the encoder is a
small plugin so that the pipeline's own rules are checked quickly and exactly.
"""

import io
import threading
import time
from datetime import timedelta

from sqlalchemy import select

from core.models import Job, User, Video, utcnow
from core.pipeline import cancel_jobs, run_job, sweep
from core.pipeline.storage import upload_key
from core.platform.tasks import worker_request
from tests.standin import upload


def load(video_id):
    with worker_request() as request:
        video = request.dbsession.get(Video, video_id)
        files = sorted((f.kind, f.key.split("/outputs/")[-1] if "/outputs/" in f.key else f.key) for f in video.files)
        jobs = [(j.kind, j.state, j.attempts, j.progress, j.error) for j in video.jobs]
        storage = request.registry.plugins.pm.hook.amphi_storage(registry=request.registry, site=video.site)
        exists = {f.key: storage.exists(f.key) for f in video.files}
        return video.status, video.status_reason, video.title, files, jobs, exists, video.poster_key


def test_an_upload_is_encoded_and_published(encoder, committed_site, fast_pipeline):
    video_id = upload(*committed_site)
    status, reason, title, files, jobs, exists, poster = load(video_id)
    assert (status, reason, title) == ("ready", "", "<script>")  # the path is gone, the text kept as text
    job_id = jobs and None
    assert [(k, s, a, p) for k, s, a, p, _ in jobs] == [("encode", "done", 1, 100.0)]
    kinds = sorted(kind for kind, _ in files)
    assert kinds == ["hls-master", "hls-playlist", "mp4", "source", "thumbnail", "thumbnail"]  # no segment rows
    assert all(exists.values())
    assert poster.endswith("thumbs/poster_1.jpg")
    assert encoder.events == [("ready", video_id, "ready")]
    assert job_id is None


def test_bad_media_fails_with_a_reason_and_keeps_the_original(encoder, committed_site, fast_pipeline):
    video_id = upload(*committed_site, content=b"not media", filename="notes.mp4")
    status, reason, _, files, jobs, exists, _ = load(video_id)
    assert (status, reason) == ("failed", "This is not a video or audio file.")
    assert [(k, s, a) for k, s, a, _, _ in jobs] == [("encode", "failed", 1)]  # not retried: it would fail again
    assert [kind for kind, _ in files] == ["source"] and all(exists.values())
    assert encoder.events == [("failed", video_id, "This is not a video or audio file.")]


def test_an_unexpected_error_is_retried_then_reported(encoder, committed_site, fast_pipeline):
    encoder.behaviour = "crash"
    video_id = upload(*committed_site)
    for _ in range(5):  # what the worker's schedule would do, without waiting
        with worker_request() as request:
            job = request.dbsession.scalar(select(Job).where(Job.video_id == video_id))
            job.run_after = None
            job_id, state = job.id, job.state
        if state != "queued":
            break
        run_job(job_id)
    status, reason, _, _, jobs, _, _ = load(video_id)
    assert encoder.calls == 3
    assert status == "failed" and reason == "Processing failed; try again later."
    assert jobs[0][1:3] == ("failed", 3) and "the disk is full" in jobs[0][4]


def test_a_failed_reencode_keeps_what_was_published(encoder, committed_site, fast_pipeline):
    from core.pipeline import retry_video

    video_id = upload(*committed_site)
    before = load(video_id)
    encoder.behaviour = "crash"
    with worker_request(committed_site[0]) as request:
        job_id = retry_video(request, request.dbsession.get(Video, video_id)).id
    for _ in range(3):
        with worker_request() as request:
            request.dbsession.get(Job, job_id).run_after = None
        run_job(job_id)
    status, _, _, files, _, exists, _ = load(video_id)
    assert status == "ready" and files == before[3] and all(exists.values())


def encode_in_a_thread(site_id, user_id, name: str):
    """Queue an encode of a few bytes without running it, then run it in a thread: ``(video id, job id, thread)``."""
    from core.ingest import create_video
    from core.models import MediaFile

    with worker_request(site_id) as request:
        key = upload_key(site_id, name)
        request.storage.save(key, io.BytesIO(b"bytes"))
        video = create_video(request, request.dbsession.get(User, user_id), "Slow", status="uploaded")
        request.dbsession.add(MediaFile(video_id=video.id, kind="source", key=key))
        job = Job(video_id=video.id, kind="encode")
        request.dbsession.add(job)
        request.dbsession.flush()
        video_id, job_id = video.id, job.id
    worker = threading.Thread(target=run_job.call_local, args=(job_id,))
    worker.start()
    return video_id, job_id, worker


def test_cancelling_a_running_encode(encoder, committed_site, fast_pipeline):
    encoder.behaviour = "slow"
    site_id, user_id = committed_site
    video_id, _job_id, worker = encode_in_a_thread(site_id, user_id, "cancelme")
    time.sleep(0.5)
    with worker_request(site_id) as request:
        assert cancel_jobs(request, request.dbsession.get(Video, video_id)) == 1
    worker.join(timeout=10)
    status, _, _, _, jobs, _, _ = load(video_id)
    assert jobs[0][1] == "cancelled" and status == "failed"


def test_the_sweeper_requeues_a_job_whose_worker_died(encoder, committed_site, fast_pipeline):
    encoder.behaviour = "crash"
    video_id = upload(*committed_site)  # first attempt crashes and is queued for a retry
    encoder.behaviour = "ok"
    with worker_request() as request:  # now pretend a worker took it and was killed (kill -9)
        job = request.dbsession.scalar(select(Job).where(Job.video_id == video_id))
        job.state, job.worker, job.heartbeat_at, job.run_after = (
            "running",
            "dead:1",
            utcnow() - timedelta(seconds=30),
            None,
        )
        job.attempts = 1
    assert sweep() >= 1
    status, _, _, _, jobs, _, _ = load(video_id)
    assert status == "ready" and jobs[0][1] == "done"


def test_a_file_that_keeps_killing_workers_is_not_tried_forever(encoder, committed_site, fast_pipeline):
    encoder.behaviour = "crash"
    video_id = upload(*committed_site)
    with worker_request() as request:  # its last allowed attempt died with its worker
        job = request.dbsession.scalar(select(Job).where(Job.video_id == video_id))
        job.state, job.worker, job.heartbeat_at, job.attempts = "running", "dead:1", utcnow() - timedelta(seconds=30), 3
        job.video.status = "processing"
    sweep()
    status, reason, _, _, jobs, _, _ = load(video_id)
    assert (status, jobs[0][1]) == ("failed", "failed")
    assert reason == "Processing stopped several times; this file cannot be processed."


def pretend_running(video_id, worker):
    """The job of ``video_id`` as a worker left it: running, claimed by ``worker``, a fresh heartbeat."""
    with worker_request() as request:
        job = request.dbsession.scalar(select(Job).where(Job.video_id == video_id))
        job.state, job.worker, job.heartbeat_at, job.run_after, job.attempts = "running", worker, utcnow(), None, 1
        job.video.status = "processing"
        return job.id


def test_the_sweeper_requeues_at_once_a_job_whose_worker_process_ended(encoder, committed_site, fast_pipeline):
    import subprocess

    from core.platform.processes import worker_identity

    encoder.behaviour = "crash"
    video_id = upload(*committed_site)
    encoder.behaviour = "ok"
    killed = subprocess.Popen(["sleep", "30"])
    pretend_running(video_id, worker_identity(killed.pid))
    assert sweep() == 0  # its heartbeat is fresh and its process alive: it is working
    killed.kill()
    killed.wait()
    assert sweep() == 1  # kill -9: no need to wait for the heartbeat to go stale
    status, _, _, _, jobs, _, _ = load(video_id)
    assert (status, jobs[0][1], jobs[0][2]) == ("ready", "done", 2)


def test_the_sweeper_leaves_a_job_whose_worker_it_cannot_see(encoder, committed_site, fast_pipeline):
    from core.platform.processes import worker_identity

    encoder.behaviour = "crash"
    video_id = upload(*committed_site)
    _host, pid, start, namespace = worker_identity().split(":")
    pretend_running(video_id, f"another-host:{pid}:{start}:{namespace}")
    assert sweep() == 0
    assert load(video_id)[4][0][1] == "running"


def test_a_lost_job_is_requeued_once_even_by_two_sweepers(encoder, committed_site, fast_pipeline):
    from core.pipeline import requeue_lost

    encoder.behaviour = "crash"
    video_id = upload(*committed_site)
    job_id = pretend_running(video_id, "gone-host:1:1:1")
    with worker_request() as request:
        assert requeue_lost(request, job_id, "gone-host:1:1:1", utcnow())
    with worker_request() as request:  # meanwhile a worker claimed it again
        job = request.dbsession.get(Job, job_id)
        job.state, job.worker = "running", "new-worker:2:2:2"
    with worker_request() as request:  # a second sweeper that saw the same lost job a moment ago
        assert not requeue_lost(request, job_id, "gone-host:1:1:1", utcnow())
    _, _, _, _, jobs, _, _ = load(video_id)
    assert jobs[0][1] == "running"


def test_a_worker_whose_job_was_requeued_leaves_it_to_the_new_run(encoder, committed_site, fast_pipeline):
    encoder.behaviour = "slow"
    site_id, user_id = committed_site
    video_id, job_id, worker = encode_in_a_thread(site_id, user_id, "requeued")
    time.sleep(0.5)
    with worker_request() as request:  # its heartbeat went stale, a sweeper requeued it, another worker took it
        job = request.dbsession.get(Job, job_id)
        assert job.state == "running"
        job.worker = "another-worker:1:1:1"
    worker.join(timeout=10)
    assert not worker.is_alive()
    _, _, _, _, jobs, _, _ = load(video_id)
    assert jobs[0][1] == "running"  # not marked cancelled under the new run's feet

"""What happens to a video, step by step. The Job row is the truth; huey only wakes a worker.

A worker claims a queued job (state ``running``, a heartbeat), runs its kind
in the job skeleton (:mod:`core.pipeline.jobs`), and records a failure or a cancellation
(the skeleton writes ``done`` with the publication). A heartbeat thread keeps
the job alive and notices cancellation; the sweeper requeues jobs whose
heartbeat stopped, so a killed worker loses nothing. Every kind, the core's
``encode`` and ``compose`` included, comes from ``amphi_job_handlers``.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import func, select, update

from core.models import Job, Video, utcnow
from core.pipeline.jobs import JobKind, JobLost, remove_orphan_scratch, run_kind
from core.pipeline.media import EncodeCancelled, MediaError
from core.platform.errors import AmphiError
from core.platform.i18n import _
from core.platform.plugins import fire
from core.platform.processes import worker_identity, worker_is_gone
from core.platform.settings import setting
from core.platform.tasks import app_registry, enqueue_after_commit, huey, routing, waiting_arguments, worker_request

log = logging.getLogger(__name__)

WORKER_ID = worker_identity()  # host:pid:start:namespace (core.platform.processes)


def queue_job(request, video: Video, kind: str, params: dict | None = None) -> Job:
    """Create a queued job for ``video``; a worker is woken once the transaction commits.

    ``params`` (JSON) is what the handler needs beyond the video (a composition's layout...).
    """
    job = Job(kind=kind, state="queued", params=params or {})
    video.jobs.append(job)
    request.dbsession.flush()
    send_after_commit(request, job)
    return job


def send_after_commit(request, job: Job, delay: float = 0) -> None:
    """Wake a worker for ``job`` once the transaction commits (``delay`` seconds later), to its kind's queue.

    The message's time is recorded (``enqueued_at``): the sweeper looks for the message of a job queued
    longer than ``amphi.jobs.stale_after`` only, and sends it again only when it is in no queue.
    """
    job.enqueued_at = utcnow()
    job_id, routed = job.id, routing(job.kind)
    if delay:
        enqueue_after_commit(request, lambda: run_job.schedule(args=(job_id,), kwargs=routed, delay=delay))
    else:
        enqueue_after_commit(request, run_job, job_id, queue=job.kind)


def job_handlers(registry) -> dict[str, JobKind]:
    """``{kind: JobKind}`` of every ``amphi_job_handlers`` implementation.

    The core's kinds (``encode``, ``compose``) come first, so a plugin may replace one; a kind that two
    plugins answer is logged, and the one registered last wins.
    """
    handlers: dict[str, JobKind] = {}
    owners: dict[str, str] = {}
    impls = registry.plugins.pm.hook.amphi_job_handlers.get_hookimpls()  # in registration order
    for impl in sorted(impls, key=lambda impl: not impl.plugin_name.startswith("core.")):
        for kind, handler in (impl.function() or {}).items():
            if kind in owners and not owners[kind].startswith("core."):
                log.warning(
                    "job kind %r is answered by %s and %s: %s runs it",
                    kind,
                    owners[kind],
                    impl.plugin_name,
                    impl.plugin_name,
                )
            handlers[kind], owners[kind] = handler, impl.plugin_name
    return handlers


# --- claiming ---------------------------------------------------------------


def claim(job_id: int) -> tuple[int, str] | None:
    """Mark a queued job running for this worker; return (site id, kind), or None when not ours."""
    with worker_request() as request:
        db = request.dbsession
        job = db.get(Job, job_id)
        if job is None or job.state != "queued":
            return None
        if job.run_after is not None and job.run_after > utcnow():
            return None
        site_id = job.video.site_id
        if site_busy(request, site_id):
            job.run_after = utcnow() + timedelta(seconds=10)
            send_after_commit(request, job, delay=10)
            return None
        if job.video.status != "ready":
            job.video.status = "processing"
        now = utcnow()
        claimed = db.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == "queued")
            .values(
                state="running",
                worker=WORKER_ID,
                heartbeat_at=now,
                started_at=now,
                attempts=Job.attempts + 1,
                error="",
                progress=0.0,
            )
        ).rowcount
        return (site_id, job.kind) if claimed else None


def site_busy(request, site_id: int) -> bool:
    """Whether the site already runs as many jobs as ``amphi.jobs.per_site`` allows."""
    limit = setting(request.registry.settings, "amphi.jobs.per_site")
    running = request.dbsession.scalar(
        select(func.count(Job.id))
        .join(Video, Video.id == Job.video_id)
        .where(Video.site_id == site_id, Job.state == "running")
    )
    return running >= limit


# --- running ----------------------------------------------------------------


class Heartbeat:
    """Beats every few seconds in its own transaction; tells whether cancellation was asked."""

    def __init__(self, job_id: int, interval: float):
        self.job_id, self.interval = job_id, interval
        self.cancelled = self.lost = False
        self.progress = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id}", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def report(self, fraction: float) -> bool:
        """The encoder's progress callback: record, and return False once cancelled."""
        self.progress = max(self.progress, min(1.0, fraction))
        return not self.cancelled

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.beat()
            except Exception:  # a missed beat is not fatal; the sweeper tolerates several
                log.exception("heartbeat of job %s failed", self.job_id)

    def beat(self) -> None:
        # One conditional UPDATE, not read-then-write: a beat racing the job's end must not
        # write its progress over the finished job's (PostgreSQL re-checks the WHERE after
        # waiting for the finishing transaction's lock).
        with worker_request() as request:
            cancel_requested = request.dbsession.execute(
                update(Job)
                .where(Job.id == self.job_id, Job.state == "running", Job.worker == WORKER_ID)
                .values(heartbeat_at=utcnow(), progress=round(self.progress * 100, 1))
                .returning(Job.cancel_requested)
            ).scalar_one_or_none()
            self.lost = cancel_requested is None  # no longer this worker's (or deleted)
            self.cancelled = self.lost or bool(cancel_requested)


@huey.task()
def run_job(job_id: int) -> None:
    """Claim, run and record one job (the huey task every job goes through)."""
    claimed = claim(job_id)
    if claimed is None:
        return
    site_id, kind = claimed
    interval = setting(app_registry().settings, "amphi.jobs.heartbeat_seconds")
    with Heartbeat(job_id, interval) as heartbeat:
        try:
            handler = job_handlers(app_registry()).get(kind)
            if handler is None:
                raise MediaError(f"No worker knows how to run '{kind}' jobs.")
            run_kind(handler, job_id, site_id, WORKER_ID, heartbeat.report)  # writes done with the result
        except JobLost:  # requeued by a sweeper meanwhile: the job's outcome is its new run's
            log.warning("job %s was taken from this worker; its result was dropped", job_id)
        except EncodeCancelled:
            if heartbeat.lost:  # requeued by a sweeper meanwhile: the job's outcome is its new run's
                log.warning("job %s was taken from this worker; stopped", job_id)
            else:
                cancelled(job_id, _("Cancelled by the owner."))
        except MediaError as exc:
            fail(job_id, exc.message, retry=False)
        except Exception as exc:
            log.exception("job %s failed", job_id)
            fail(job_id, f"{type(exc).__name__}: {exc}", retry=True)


# --- outcomes ---------------------------------------------------------------


def cancelled(job_id: int, error: str) -> None:
    """Record a cancelled job; a video that was only processing fails, unless it has outputs to play."""
    with worker_request() as request:
        job = request.dbsession.get(Job, job_id)
        if job is None:
            return None  # deleted with its video meanwhile
        job.state, job.error, job.finished_at = "cancelled", error, utcnow()
        if job.video.status == "processing":
            job.video.status = "failed" if not has_outputs(request, job.video) else "ready"
            job.video.status_reason = error if job.video.status == "failed" else ""


def has_outputs(request, video: Video) -> bool:
    return any(f.kind == "hls-master" for f in video.files)


def fail(job_id: int, reason: str, retry: bool) -> None:
    """Record a failure; retry with backoff while attempts remain, else fail the video.

    ``amphi_video_failed`` is fired once the failure is committed, in a transaction of its own.
    """
    failed = record_failure(job_id, reason, retry)
    if failed is not None:
        site_id, video_id, shown_reason = failed
        with worker_request(site_id) as request:
            fire(request, "amphi_video_failed", video_id=video_id, reason=shown_reason)


def record_failure(job_id: int, reason: str, retry: bool) -> tuple[int, int, str] | None:
    """Write the failure; ``(site id, video id, reason)`` when the video itself failed for good."""
    with worker_request() as request:
        job = request.dbsession.get(Job, job_id)
        if job is None:
            return None  # deleted with its video meanwhile
        max_attempts = setting(request.registry.settings, "amphi.jobs.max_attempts")
        if retry and job.attempts < max_attempts:
            delay = setting(request.registry.settings, "amphi.jobs.retry_delay") * 2 ** (job.attempts - 1)
            job.state, job.error, job.run_after = "queued", reason, utcnow() + timedelta(seconds=delay)
            send_after_commit(request, job, delay=delay)
            return None
        job.state, job.error, job.finished_at = "failed", reason, utcnow()
        video = job.video
        if video.status != "ready":  # a failed re-encode keeps what was published
            video.status, video.status_reason = (
                "failed",
                reason if not retry else _("Processing failed; try again later."),
            )
        if video.status == "failed":  # a later job of a ready video (re-encode, transcription) fails alone
            return video.site_id, video.id, video.status_reason or reason
    return None


def retry_video(request, video: Video) -> Job:
    """The owner's retry button: a fresh encode job (the original is still there).

    On a ready video whose latest job failed or was cancelled (a transcription...), that kind of job
    runs again instead.
    """
    latest = max(video.jobs, key=lambda j: j.id or 0, default=None)
    kind = "encode"
    if video.status == "ready" and latest is not None and latest.state in ("failed", "cancelled"):
        kind = latest.kind
    video.status, video.status_reason = ("processing" if video.status != "ready" else "ready"), ""
    return queue_job(request, video, kind)


def cancel_jobs(request, video: Video) -> int:
    """Ask the running or queued jobs of ``video`` to stop; return how many."""
    count = 0
    for job in video.jobs:
        if job.state == "queued":
            job.state, job.error, job.finished_at = "cancelled", _("Cancelled by the owner."), utcnow()
            count += 1
        elif job.state == "running":
            job.cancel_requested = True
            count += 1
    return count


# --- the sweeper ---------------------------------------------------------------


def sweep() -> int:
    """Requeue running jobs whose worker is gone and queued jobs whose message was lost; return how many.

    A worker is gone when its heartbeat stopped (``amphi.jobs.stale_after``), or at once when it
    ran on this machine and its process has ended (a restarted worker picks up the job it lost).
    A queued job's message is lost when it was sent longer than ``stale_after`` ago and is in no queue
    nor in the schedule (:func:`lost_messages`): a long backlog is left alone.
    """
    with worker_request() as request:
        db = request.dbsession
        stale = setting(request.registry.settings, "amphi.jobs.stale_after")
        now = utcnow()
        running = db.execute(
            select(Job.id, Job.worker, Job.heartbeat_at < now - timedelta(seconds=stale)).where(Job.state == "running")
        ).all()
        lost = [(job_id, worker) for job_id, worker, silent in running if silent or worker_is_gone(worker)]
        requeued = [job_id for job_id, worker in lost if requeue_lost(request, job_id, worker, now)]
        forgotten = lost_messages(request, now - timedelta(seconds=stale), now)
        woken = requeued + forgotten
        kinds = dict(db.execute(select(Job.id, Job.kind).where(Job.id.in_(woken))).all()) if woken else {}
    for job_id in woken:
        run_job(job_id, **routing(kinds.get(job_id, "")))  # to the queue of its kind's workers
    return len(woken)


def lost_messages(request, sent_before, now) -> list[int]:
    """Mark sent again, and return, the queued jobs whose message was sent before ``sent_before`` and is
    waiting nowhere (a worker killed between taking the message and claiming the job, a queue flushed...).

    The queues are read after the database: a message sent before ``sent_before`` and taken since has
    its job claimed (no longer queued) when the update below runs, unless the worker is claiming it at
    that very moment; then the job gets a second message, which its claim ignores (never a second run).
    Each update applies only to the ``enqueued_at`` it read, so two sweepers send a lost message once.
    """
    db = request.dbsession
    old = db.execute(
        select(Job.id, Job.kind, Job.enqueued_at).where(
            Job.state == "queued",
            Job.enqueued_at < sent_before,
            (Job.run_after.is_(None)) | (Job.run_after < now),
        )
    ).all()
    if not old:
        return []  # the queues are read only when a message may be lost
    waiting = waiting_arguments(run_job, {kind for _, kind, _ in old})
    lost = []
    for job_id, _kind, sent in old:
        if (job_id,) in waiting:
            continue
        resent = db.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == "queued", Job.enqueued_at == sent)
            .values(enqueued_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if resent:
            log.warning("the message of job %s was lost; sent again", job_id)
            lost.append(job_id)
    return lost


def requeue_lost(request, job_id: int, worker: str, now) -> bool:
    """Queue again a job whose worker is gone (or fail it after its last attempt); False when it moved meanwhile.

    The update only applies while the job is still that worker's: two sweepers, or a sweeper and a
    worker claiming the requeued job, never undo each other.
    """
    db = request.dbsession
    job = db.get(Job, job_id)
    if job is None:
        return False  # deleted with its video meanwhile
    given_up = job.attempts >= setting(request.registry.settings, "amphi.jobs.max_attempts")
    values = {"state": "failed", "finished_at": now} if given_up else {"state": "queued", "enqueued_at": now}
    moved = (
        db.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == "running", Job.worker == worker)
            .values(worker="", error=_("The worker stopped; the job was requeued."), **values)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 0
    )
    if moved:
        return False
    log.warning("job %s lost its worker %s; %s", job_id, worker, "failed" if given_up else "requeued")
    if given_up and job.video.status != "ready":  # a file that kills its workers is not tried forever
        job.video.status = "failed"
        job.video.status_reason = _("Processing stopped several times; this file cannot be processed.")
    return not given_up


def sweep_every(seconds: float, stop: threading.Event) -> None:
    """Sweep every ``seconds`` until ``stop`` is set (``amphi worker``'s sweeper thread, in the workers that
    run the other tasks; ``amphi.jobs.sweep_seconds``). A failed sweep (database away) is logged and tried again."""
    failing = False
    while not stop.wait(seconds):
        try:
            sweep()
        except Exception:
            if not failing:  # once per outage, not at every try
                log.exception("the job sweep failed; trying again every %s s", seconds)
            failing = True
        else:
            if failing:
                log.warning("the job sweep works again")
            failing = False


def start_sweeper(registry) -> threading.Event:
    """Start the sweeper thread; set the returned event to stop it."""
    stop = threading.Event()
    seconds = setting(registry.settings, "amphi.jobs.sweep_seconds")
    threading.Thread(target=sweep_every, args=(seconds, stop), name="job-sweeper", daemon=True).start()
    return stop


@huey.on_startup()
def sweep_at_start() -> None:
    """A restarted worker picks up what a killed one left at once, not a minute later."""
    try:
        remove_orphan_scratch(app_registry())
        sweep()
    except AmphiError:
        pass  # not configured in this process (e.g. an import without the app)


def includeme(config):
    """Importing this module registers the pipeline's tasks with huey; the core's job kinds come along."""
    config.include("core.pipeline.storage")
    config.include("core.pipeline.encoding")
    config.include("core.pipeline.composition")
    config.include("core.pipeline.audio_tracks")

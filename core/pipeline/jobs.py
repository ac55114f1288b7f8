"""The one job skeleton: every job kind (encode, compose, a plugin's transcribe or import) runs in it.

A kind (:class:`JobKind`, named by ``amphi_job_handlers``) gives four steps; the skeleton runs them:

1. :meth:`JobKind.read`, in a short transaction: the plain values the work needs (ids, keys,
   settings; never an ORM object). The transaction is closed before the work starts, so no
   database connection waits idle in a transaction for the length of an encode.
2. :meth:`JobKind.work`, with no transaction open, in a private scratch folder removed afterwards;
   ``progress(fraction)`` feeds the heartbeat and returns False once the job is cancelled.
3. :meth:`JobKind.publish`, in one short transaction in which the skeleton also marks the job done:
   the result and the outcome are written together, once.
4. :meth:`JobKind.announce`, in a transaction of its own once the scratch folder is gone (events).

Failures and cancellation are recorded by :mod:`core.pipeline`, which claims, beats and retries.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update

from core.models import Job, Video, utcnow
from core.pipeline.media import ProgressCallback
from core.pipeline.storage import Storage, get_storage
from core.platform.errors import ValidationError
from core.platform.processes import process_start
from core.platform.settings import EffectiveSettings, setting
from core.platform.sites import plugin_settings
from core.platform.tasks import worker_request

log = logging.getLogger(__name__)

#: Scratch folder names start with this (``encode``: the folders of workers before the skeleton).
SCRATCH_PREFIXES = ("job", "encode")


class JobLost(Exception):
    """The job was taken from this worker (a sweeper requeued it) or deleted: its result is dropped."""


@dataclass(frozen=True)
class JobContext:
    """What a job's work and its hooks know of the job: plain values, read before the work starts."""

    id: int
    kind: str
    site_id: int
    video_id: int
    params: Mapping[str, Any]
    #: The plugins enabled (and loaded) on the video's site.
    plugins: frozenset[str]
    #: Each enabled plugin's effective settings on the site.
    settings: Mapping[str, Mapping[str, Any]]
    storage: Storage = field(repr=False, compare=False)
    registry: Any = field(repr=False, compare=False)

    @classmethod
    def of(cls, request, job: Job | None = None) -> JobContext:
        """The context of ``job`` on the request's site (no job: to call a job's hooks elsewhere)."""
        site, registry = request.site, request.registry
        plugins = frozenset(site.enabled_plugins or []) & set(registry.plugins.names())
        return cls(
            id=job.id if job else 0,
            kind=job.kind if job else "",
            site_id=site.id,
            video_id=(job.video_id or 0) if job else 0,
            params=dict((job.params or {}) if job else {}),
            plugins=plugins,
            settings=settings_of(registry, site, plugins),
            storage=get_storage(registry, site),
            registry=registry,
        )

    def plugin_settings(self, plugin: str) -> EffectiveSettings:
        """``plugin``'s effective settings on the job's site (empty when it is not enabled there)."""
        return EffectiveSettings(plugin, self.settings.get(plugin, {}))

    @property
    def hooks(self):
        """The hook relay of the job's site: only its enabled plugins are called."""
        return self.registry.plugins.for_plugins(self.plugins)


def settings_of(registry, site, plugins) -> dict[str, EffectiveSettings]:
    """Each enabled plugin's effective settings on ``site``; a plugin whose values are invalid is logged and
    left out, so one bad setting never stops every job of the site."""
    settings = {}
    for name in plugins:
        try:
            settings[name] = plugin_settings(registry, site, name)
        except ValidationError as error:
            log.error("the settings of %s on site %s are invalid: %s", name, site.id, error)
    return settings


class JobKind(ABC):
    """One kind of job. A plugin (or the core) returns instances from ``amphi_job_handlers``."""

    @abstractmethod
    def read(self, request, job: Job) -> Any:
        """Return the plain values the work needs (a frozen dataclass of ids, keys, settings).

        Runs in a short transaction with a worker request of the video's site; raise
        :class:`core.pipeline.media.MediaError` with a reason for the owner when the job cannot run.
        """

    @abstractmethod
    def work(self, job: JobContext, plan: Any, scratch: str, progress: ProgressCallback) -> Any:
        """Do the long work with no transaction open, in ``scratch`` (emptied afterwards).

        Stop and raise :class:`core.pipeline.media.EncodeCancelled` when ``progress`` returns False.
        Return what :meth:`publish` writes back.
        """

    @abstractmethod
    def publish(self, request, video: Video, job: JobContext, plan: Any, result: Any) -> None:
        """Write ``result`` back; the skeleton marks the job done in the same transaction.

        Not called when the video was deleted meanwhile. Storage writes that must wait for the
        commit (deleting what the result replaces) go through :func:`core.platform.tasks.enqueue_after_commit`.
        """

    def announce(self, request, job: JobContext, plan: Any, result: Any) -> None:  # noqa: B027 — optional step
        """Tell listeners the result is published, in a transaction of its own (nothing by default)."""


def run_kind(kind: JobKind, job_id: int, site_id: int, worker: str, progress: ProgressCallback) -> None:
    """Run a claimed job of ``kind`` through the four steps; raise what the pipeline records."""
    with worker_request(site_id) as request:
        job = request.dbsession.get(Job, job_id)
        if job is None:
            raise JobLost(f"job {job_id} was deleted")
        context = JobContext.of(request, job)
        plan = kind.read(request, job)
    with scratch_folder(context.registry) as scratch:
        result = kind.work(context, plan, scratch, progress)
        published = publish(kind, context, plan, result, worker)
    if published:
        announce(kind, context, plan, result)


def publish(kind: JobKind, job: JobContext, plan: Any, result: Any, worker: str) -> bool:
    """Publish ``result`` and mark the job done, in one transaction; False when the video is gone."""
    with worker_request(job.site_id) as request:
        video = request.dbsession.get(Video, job.video_id)
        if video is None:
            return False  # deleted while the job ran: nothing of it may be written back
        check_still_ours(request, job.id, worker)
        kind.publish(request, video, job, plan, result)
        mark_done(request, job.id, worker)  # last: SQLite's write lock is taken here, not during the copies
    return True


def announce(kind: JobKind, job: JobContext, plan: Any, result: Any) -> None:
    """Run the kind's announcement; the job is done whatever happens there."""
    try:
        with worker_request(job.site_id) as request:
            kind.announce(request, job, plan, result)
    except Exception:
        log.exception("job %s was published, but announcing it failed", job.id)


def check_still_ours(request, job_id: int, worker: str) -> None:
    """Raise :class:`JobLost` before anything is published when the job is no longer this worker's.

    On PostgreSQL the job row stays locked until the commit, so no sweeper requeues it meanwhile.
    """
    ours = request.dbsession.scalar(
        select(Job.id).where(Job.id == job_id, Job.state == "running", Job.worker == worker).with_for_update()
    )
    if ours is None:
        raise JobLost(f"job {job_id} is no longer run by {worker}")


def mark_done(request, job_id: int, worker: str) -> None:
    """The job's one ``done`` write; :class:`JobLost` (rolling the publication back) when it is not ours."""
    done = request.dbsession.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == "running", Job.worker == worker)
        .values(state="done", progress=100.0, finished_at=utcnow(), error="")
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        raise JobLost(f"job {job_id} is no longer run by {worker}")


# --- files ------------------------------------------------------------------


@contextmanager
def local_file(storage: Storage, key: str, path: str) -> Iterator[str]:
    """A local path of a stored file: the file itself, or a copy downloaded to ``path``."""
    local = storage.local_path(key)
    if local is not None:
        yield local
        return
    with storage.open(key) as remote, open(path, "wb") as copy:
        shutil.copyfileobj(remote, copy, 1024 * 1024)
    yield path


def scratch_root(registry) -> str:
    folder = os.path.join(setting(registry.settings, "amphi.var_dir"), "tmp")
    os.makedirs(folder, exist_ok=True)
    return folder


def scratch_dir(registry) -> str:
    """A private folder for one job, named after this process so leftovers can be found.

    The name holds the process id and its start time: process ids are reused (32768 of
    them on many systems), so a killed worker's folder must not look alive because
    another process got its number.
    """
    pid = os.getpid()
    return tempfile.mkdtemp(prefix=f"job-{pid}-{process_start(pid)}-", dir=scratch_root(registry))


@contextmanager
def scratch_folder(registry) -> Iterator[str]:
    """A private scratch folder, removed with everything in it when the block ends."""
    folder = scratch_dir(registry)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_orphan_scratch(registry) -> int:
    """Delete scratch folders of processes that no longer exist (killed workers); return how many."""
    removed = 0
    for name in os.listdir(scratch_root(registry)):
        parts = name.split("-")
        if len(parts) >= 4 and parts[0] in SCRATCH_PREFIXES and parts[1].isdigit() and parts[2].isdigit():
            if process_start(int(parts[1])) != int(parts[2]):
                shutil.rmtree(os.path.join(scratch_root(registry), name), ignore_errors=True)
                removed += 1
    return removed


def register_core_kinds(config, module) -> None:
    """Register a core module's ``amphi_job_handlers`` on the plugin manager, as a plugin's would be.

    The module is not a plugin: no site disables it (the per-site relay keeps non-plugin hooks).
    """
    pm = config.registry.plugins.pm
    if not pm.is_registered(module):
        pm.register(module, name=module.__name__)

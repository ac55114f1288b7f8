"""The task queue: one huey instance, configured from ``amphi.queue_url`` at start-up.

Tasks take ids, not objects, open their own transaction through
:func:`worker_request`, and are enqueued after the commit (see
:func:`enqueue_after_commit`). The database stays the truth; huey only wakes a
worker.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

from huey import Huey
from huey.api import TaskWrapper
from huey.storage import RedisStorage, SqliteStorage
from pyramid.request import Request
from pyramid.scripting import prepare
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.models import Site
from core.platform.context import request_id
from core.platform.errors import ConfigurationError
from core.platform.private import private_file
from core.platform.settings import setting

log = logging.getLogger(__name__)

# Immediate (in memory) until configure_queue() points it at SQLite or Redis.
huey = Huey("amphi", immediate=True)
_context: dict = {"registry": None}
#: Errors of a queue server that went away for a while (they pass; anything else is a bug).
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
#: The keyword argument a task carries the request id of the request that queued it in; taken out
#: before the task runs (:func:`_adopt_request_id`), so task functions never see it.
REQUEST_ID_ARGUMENT = "amphi_request_id"
#: The keyword argument naming the queue a task goes to (a job's kind); taken out before it runs.
QUEUE_ARGUMENT = "amphi_queue"


class RoutedStorage:
    """huey's storage with a queue per job kind, so that a worker may serve only some kinds.

    A task carrying :data:`QUEUE_ARGUMENT` (a job's kind: ``run_job(job_id, amphi_queue="encode")``)
    goes to the queue ``amphi.<kind>``; every other task (mail, indexing, periodic sweeps) to the main
    queue ``amphi``. A worker reads the queues it serves (:meth:`serve`), each in turn; the schedule
    (delayed tasks), results and locks stay the main storage's. A delayed task keeps its argument, so
    it goes back to its kind's queue when it is due, whichever worker's scheduler moves it.
    """

    blocking = False  # each queue is read without waiting; the consumer polls with a back-off

    def __init__(self, main, make, serializer):
        self.main, self._make, self.serializer = main, make, serializer
        self.queues: dict[str, object] = {}
        self.served: list[str] | None = None  # None: the main queue only (until serve() is called)
        self.serves_main = True
        self._turn = -1
        self.unreachable_since: float | None = None  # when the queue server stopped answering

    def __getattr__(self, name):
        return getattr(self.main, name)  # the schedule, results, locks...

    def queue(self, kind: str):
        if kind not in self.queues:
            self.queues[kind] = self._make(kind)
        return self.queues[kind]

    def serve(self, kinds: list[str], main: bool) -> None:
        """Read only the queues of ``kinds`` (and the main queue when ``main``)."""
        self.served, self.serves_main = list(kinds), main

    def _reading(self):
        if self.serves_main:
            yield self.main
        for kind in self.served or ():
            yield self.queue(kind)

    def enqueue(self, data, priority=None):
        kind = self.serializer.deserialize(data).kwargs.get(QUEUE_ARGUMENT)
        (self.queue(kind) if kind else self.main).enqueue(data, priority)

    def dequeue(self):
        """The next task of the queues served, or None. While the queue server is unreachable (Redis
        restarting, the network down), None: huey's consumer then waits with its back-off and asks again;
        the outage is logged once when it starts and once when it ends, not at every try."""
        reading = list(self._reading())
        self._turn = (self._turn + 1) % max(1, len(reading))
        try:
            for storage in reading[self._turn :] + reading[: self._turn]:  # each queue first in turn: none starves
                data = storage.dequeue()
                if data is not None:
                    break
            else:
                data = None
        except UNREACHABLE as error:
            if self.unreachable_since is None:
                self.unreachable_since = time.monotonic()
                log.error("the task queue is unreachable (%s); retrying until it answers", error)
            return None
        if self.unreachable_since is not None:
            log.warning("the task queue answers again after %.0f s", time.monotonic() - self.unreachable_since)
            self.unreachable_since = None
        return data

    def queue_size(self) -> int:
        return sum(storage.queue_size() for storage in self._reading())

    def enqueued_items(self, limit=None):
        return [item for storage in self._reading() for item in storage.enqueued_items(limit)]

    def flush_queue(self):
        for storage in self._reading():
            storage.flush_queue()


def waiting_arguments(task: TaskWrapper, kinds) -> set:
    """The arguments of every message of ``task`` waiting in the main queue, the queues of ``kinds`` or the
    schedule (delayed): what proves a message is not lost. Reads the messages without taking them."""
    storage = huey.storage
    queues = (
        [storage.main, *(storage.queue(kind) for kind in kinds)] if isinstance(storage, RoutedStorage) else [storage]
    )
    name = huey._registry.task_to_string(task.task_class)
    items = [item for queue in queues for item in queue.enqueued_items()] + list(storage.scheduled_items())
    messages = (huey.serializer.deserialize(item) for item in items)
    return {message.args for message in messages if message.name == name}


def configure_queue(queue_url: str) -> None:
    """Point the shared huey instance at ``sqlite:///path``, ``redis://...`` or ``memory://``."""
    scheme = urlsplit(queue_url).scheme
    if scheme == "memory":
        huey.immediate = True
        return
    if scheme == "sqlite":
        path = queue_url.split("///", 1)[-1]
        private_file(path)  # task arguments are nobody else's business
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": path}
    elif scheme in ("redis", "rediss", "unix"):
        # Read without blocking: a worker reads several queues in turn (RoutedStorage).
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": queue_url, "blocking": False}
    else:
        raise ConfigurationError(f"amphi.queue_url: unsupported queue {queue_url!r} (sqlite, redis or memory)")
    huey.immediate = False
    kwargs = dict(huey.storage_kwargs)
    huey.storage = RoutedStorage(
        huey.create_storage(), lambda kind: huey.storage_class(f"{huey.name}.{kind}", **kwargs), huey.serializer
    )


def app_registry():
    """The registry of the application configured in this process."""
    registry = _context["registry"]
    if registry is None:
        raise ConfigurationError("the application is not configured in this process")
    return registry


@contextmanager
def worker_request(site_id: int | None = None):
    """A request for work outside HTTP, inside its own transaction.

    With ``site_id`` the request belongs to that site (``request.site``,
    ``request.hooks``); the transaction commits when the block ends cleanly.
    """
    registry = app_registry()
    request = Request.blank("/", base_url=setting(registry.settings, "amphi.base_url"))
    env = prepare(registry=registry, request=request)
    try:
        with request.tm:
            if site_id is not None:
                request.site = request.dbsession.get(Site, site_id)
            yield request
    finally:
        env["closer"]()


def enqueue_after_commit(request, task, *args, queue: str = "") -> None:
    """Send ``task(*args)`` once the request's transaction has committed (to the job kind ``queue``'s
    queue when given: :class:`RoutedStorage`).

    The task and its arguments stay readable in the transaction's after-commit hooks
    (``transaction.getAfterCommitHooks()``: ``(hook, (task, *args), {"rid": ...})``) until then. A huey task
    carries the current request id (:mod:`core.platform.context`): the worker's log lines name it.
    """
    kws = {"rid": request_id.get(), **({"queue": queue} if queue else {})}
    request.tm.get().addAfterCommitHook(_send_if_committed, args=(task, *args), kws=kws)


def _send_if_committed(committed: bool, task, *args, rid: str = "", queue: str = "") -> None:
    if not committed:
        return
    if isinstance(task, TaskWrapper):
        task(*args, **routing(queue, rid))
    else:
        task(*args)


def routing(queue: str = "", rid: str | None = None) -> dict:
    """The keyword arguments that send a task to ``queue`` (a job kind) with the request id ``rid``
    (default: the current one); :func:`_adopt_request_id` takes them out before the task runs."""
    rid = request_id.get() if rid is None else rid
    return {**({QUEUE_ARGUMENT: queue} if queue else {}), **({REQUEST_ID_ARGUMENT: rid} if rid else {})}


@huey.pre_execute()
def _adopt_request_id(task) -> None:
    """Before a task runs: take the request id it carries out of its arguments and make it current."""
    rid = task.kwargs.pop(REQUEST_ID_ARGUMENT, "") if task.kwargs else ""
    if task.kwargs:
        task.kwargs.pop(QUEUE_ARGUMENT, None)
    if rid:
        task.amphi_request_id_token = request_id.set(rid)


@huey.post_execute()
def _forget_request_id(task, task_value, exc) -> None:
    """After it: the request id before it (a worker thread's none, or the request's with an inline queue)."""
    token = getattr(task, "amphi_request_id_token", None)
    if token is not None:
        request_id.reset(token)


def includeme(config):
    configure_queue(setting(config.get_settings(), "amphi.queue_url"))
    _context["registry"] = config.registry

"""The task queue: one huey instance, configured from ``amphi.queue_url`` at start-up.

Tasks take ids, not objects, open their own transaction through
:func:`worker_request`, and are enqueued after the commit (see
:func:`enqueue_after_commit`). The database stays the truth; huey only wakes a
worker.
"""

from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import urlsplit

from huey import Huey
from huey.api import TaskWrapper
from huey.storage import RedisStorage, SqliteStorage
from pyramid.request import Request
from pyramid.scripting import prepare

from core.models import Site
from core.platform.context import request_id
from core.platform.errors import ConfigurationError
from core.platform.private import private_file
from core.platform.settings import setting

# Immediate (in memory) until configure_queue() points it at SQLite or Redis.
huey = Huey("amphi", immediate=True)
_context: dict = {"registry": None}
#: The keyword argument a task carries the request id of the request that queued it in; taken out
#: before the task runs (:func:`_adopt_request_id`), so task functions never see it.
REQUEST_ID_ARGUMENT = "amphi_request_id"


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
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": queue_url}
    else:
        raise ConfigurationError(f"amphi.queue_url: unsupported queue {queue_url!r} (sqlite, redis or memory)")
    huey.immediate = False
    huey.storage = huey.create_storage()


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


def enqueue_after_commit(request, task, *args) -> None:
    """Send ``task(*args)`` once the request's transaction has committed.

    The task and its arguments stay readable in the transaction's after-commit hooks
    (``transaction.getAfterCommitHooks()``: ``(hook, (task, *args), {"rid": ...})``) until then. A huey task
    carries the current request id (:mod:`core.platform.context`): the worker's log lines name it.
    """
    request.tm.get().addAfterCommitHook(_send_if_committed, args=(task, *args), kws={"rid": request_id.get()})


def _send_if_committed(committed: bool, task, *args, rid: str = "") -> None:
    if not committed:
        return
    if rid and isinstance(task, TaskWrapper):
        task(*args, **{REQUEST_ID_ARGUMENT: rid})
    else:
        task(*args)


@huey.pre_execute()
def _adopt_request_id(task) -> None:
    """Before a task runs: take the request id it carries out of its arguments and make it current."""
    rid = task.kwargs.pop(REQUEST_ID_ARGUMENT, "") if task.kwargs else ""
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

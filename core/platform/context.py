"""The request id of the work in progress: set by the request tween (:mod:`core.ops.logs`) for a web
request, carried in the tasks that request queues (:func:`core.platform.tasks.enqueue_after_commit`)
and set again while a worker runs them, so every log line of both names it."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("amphi_request_id", default="")

#: A request id a client (or nginx's ``$request_id``) may give: short, plain characters.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def new_request_id(given: str | None = None) -> str:
    """``given`` when it is a well-formed id, else a fresh one."""
    if given and REQUEST_ID.match(given):
        return given
    return uuid.uuid4().hex

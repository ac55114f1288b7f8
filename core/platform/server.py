"""waitress as ``amphi serve`` runs it, keeping the bytes of a tus upload request cut by a network drop.

waitress reads a whole request body before it calls the application, and drops it if the client
goes away first: a tus client that sends a file in one PATCH and loses the network at 90 % would
start again from 0. Here the channel hands such a cut PATCH to the application all the same, with
the body it received (``CONTENT_LENGTH`` says how much) and ``environ[CUT_BODY]`` set; the answer goes
nowhere. :mod:`core.ingest.tus` keeps those bytes. Only requests shaped as tus chunks without a checksum are
handed on: a torn chunk cannot match its checksum, so such a request is dropped as waitress always did.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading
import time

from waitress.channel import HTTPChannel
from waitress.receiver import FixedStreamReceiver
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server
from waitress.task import WSGITask

#: Set in the environ of a request whose client went away before the end of its body.
CUT_BODY = "amphi.cut_body"
TUS_CHUNK = "application/offset+octet-stream"
log = logging.getLogger(__name__)


#: glibc's mallopt() parameter for the most malloc arenas (``M_ARENA_MAX``).
M_ARENA_MAX = -8


def few_malloc_arenas(arenas: int = 2) -> None:
    """Let the server's threads share ``arenas`` malloc arenas (glibc; ``MALLOC_ARENA_MAX`` when set wins).

    glibc gives each thread that allocates at once an arena of its own, up to 8 per core, and each keeps
    the memory a request's buffers once used: with 4 threads and an upload's part senders, that was
    15 MiB of a serving process's resident memory (bench/upload.py). Python allocates under the GIL,
    so threads sharing arenas seldom wait for each other. Elsewhere (musl, macOS) nothing is done.
    """
    if os.environ.get("MALLOC_ARENA_MAX"):
        return
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt(M_ARENA_MAX, arenas)
    except (OSError, AttributeError, TypeError):
        pass  # not glibc


def is_cut_tus_chunk(request) -> bool:
    """Whether a request waitress was still reading is a tus PATCH (no checksum) that already brought some bytes."""
    body = request.body_rcv
    return (
        request.headers_finished
        and not request.completed
        and request.error is None
        and request.command == "PATCH"
        and "TUS_RESUMABLE" in request.headers
        and request.headers.get("CONTENT_TYPE", "").split(";")[0].strip() == TUS_CHUNK
        and "UPLOAD_CHECKSUM" not in request.headers
        and isinstance(body, FixedStreamReceiver)
        and len(body) > 0
    )


class CutChunkTask:
    """Runs the application on a cut request in a server thread; nobody reads the answer."""

    def __init__(self, channel, request):
        self.channel, self.request = channel, request

    def service(self) -> None:
        try:
            environ = WSGITask(self.channel, self.request).get_environment()
            environ["CONTENT_LENGTH"] = str(len(self.request.body_rcv))
            environ[CUT_BODY] = True
            result = self.channel.server.application(environ, lambda status, headers, exc_info=None: None)
            try:
                for _data in result:
                    pass
            finally:
                getattr(result, "close", lambda: None)()
        except Exception:  # noqa: BLE001 — a server thread must survive whatever the application does
            log.exception("a cut upload request to %s failed", self.request.path)
        finally:
            self.request.close()

    def cancel(self) -> None:
        self.request.close()


class UploadChannel(HTTPChannel):
    """waitress's channel, which hands a tus PATCH cut by the client to the application."""

    def handle_close(self):
        with self.requests_lock:
            request, self.request = self.request, None
        if request is not None and is_cut_tus_chunk(request):
            self.server.add_task(CutChunkTask(self, request))
        elif request is not None:
            request.close()
        super().handle_close()


#: The response header naming the server process that answered (``amphi serve --workers N`` spreads
#: connections between processes; a test or an operator can see how). A process id tells nothing else.
PROCESS_HEADER = "X-Amphi-Process"


def with_process_header(app):
    """``app``, whose responses say which server process answered (:data:`PROCESS_HEADER`)."""

    def named(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, [*headers, (PROCESS_HEADER, str(os.getpid()))], exc_info)

        return app(environ, start)

    return named


class QueueDepthSummary(logging.Filter):
    """Turns waitress's "Task queue depth is N" warning, logged for every request that waits for a
    thread, into at most one line every ``interval`` seconds: the deepest queue seen since the last
    line and how many requests waited. (Under load waitress logged it 93,562 times in 13 minutes.)

    The summary is written when a request queues once ``interval`` has passed since the last one.
    """

    def __init__(self, interval: float = 60.0, clock=time.monotonic):
        super().__init__()
        self.interval, self.clock = interval, clock
        self.lock = threading.Lock()
        self.deepest = self.waited = 0
        self.last: float | None = None  # when the last line was written

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith("Task queue depth is"):
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        depth = args[0] if args and isinstance(args[0], int) else 0
        with self.lock:
            self.deepest, self.waited = max(self.deepest, depth), self.waited + 1
            now = self.clock()
            if self.last is not None and now - self.last < self.interval:
                return False
            since = "" if self.last is None else f" in the last {now - self.last:.0f} s"
            record.msg = "requests waited for a server thread%s: %d (queue depth up to %d)"
            record.args = (since, self.waited, self.deepest)
            self.last, self.deepest, self.waited = now, 0, 0
            return True


#: waitress's logger of queued requests, and the filter ``amphi serve`` puts on it.
QUEUE_LOGGER = "waitress.queue"
queue_summary = QueueDepthSummary()


def make_server(app, **options):
    """A waitress server (``waitress.create_server`` options) whose channels keep cut upload bytes."""
    server = create_server(app, **options)
    listeners = server.map.values() if isinstance(server, MultiSocketServer) else [server]
    for listener in listeners:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = UploadChannel
    return server


def serve(app, **options) -> None:
    """Serve ``app`` until the process is stopped (what ``waitress.serve`` does, with :func:`make_server`)."""
    logging.basicConfig()  # as waitress.serve: idempotent once logging is set up
    queue_logger = logging.getLogger(QUEUE_LOGGER)
    if queue_summary not in queue_logger.filters:
        queue_logger.addFilter(queue_summary)
    server = make_server(with_process_header(app), **options)
    server.print_listen("Serving on http://{}:{}")
    server.run()

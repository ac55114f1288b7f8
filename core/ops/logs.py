"""A request id on every log line, and JSON logs as an option (``amphi.logs.format = json``).

The request tween (:func:`request_tween_factory`, the outermost) takes the id from ``X-Request-Id``
(nginx's ``$request_id``, or a client's) or makes one, makes it current for the request's thread
(:data:`core.platform.context.request_id`), sends it back in ``X-Request-Id``, and times the request
for the metrics. Every log record made meanwhile carries it as ``record.request_id`` (a log record
factory, so every handler and formatter sees it); the tasks the request queues carry it to the worker.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

from pyramid.tweens import INGRESS

from core.platform.context import new_request_id, request_id
from core.platform.settings import setting

log = logging.getLogger(__name__)
access_log = logging.getLogger("core.access_log")

#: The attributes every LogRecord has: what a record carries beyond them (``extra=``) goes into the JSON too.
STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request id, process,
    the exception's traceback if any, and the record's ``extra`` values.

    Usable from an ini file's logging sections too (``[formatter_json] class = core.ops.logs.JsonFormatter``).
    """

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or None,
            "process": record.process,
        }
        for key, value in vars(record).items():
            if key not in STANDARD_ATTRIBUTES and key not in entry:
                entry[key] = value if isinstance(value, str | int | float | bool | type(None)) else repr(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def install_record_factory() -> None:
    """Give every log record made from now on the current ``request_id`` (once per process)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "amphi_request_id", False):
        return

    def make_record(*args, **kwargs):
        record = factory(*args, **kwargs)
        record.request_id = request_id.get()
        return record

    make_record.amphi_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)


def use_json_logs() -> None:
    """Format what the root logger's handlers write as JSON lines (the ini's handlers stay, their format
    changes); with no logging configured at all, INFO and above go to standard error."""
    formatter = JsonFormatter()
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
        root.setLevel(logging.INFO)
    for handler in root.handlers:
        handler.setFormatter(formatter)


def request_tween_factory(handler, registry):
    from core.ops.metrics import observe_request  # deferred: prometheus_client reads PROMETHEUS_MULTIPROC_DIR on import

    log_access = setting(registry.settings, "amphi.logs.access")

    def request_tween(request):
        rid = new_request_id(request.headers.get("X-Request-Id"))
        token = request_id.set(rid)
        start = time.perf_counter()
        status = 500
        try:
            response = handler(request)
            status = response.status_int
            if response.headers.get("X-Amphi-Cache") == "hit":
                request.environ["amphi.page_cache.hit"] = True
            response.headers["X-Request-Id"] = rid
            return response
        finally:
            elapsed = time.perf_counter() - start
            observe_request(registry, request, status, elapsed)
            if log_access:
                access_log.info(
                    "%s %s %s %.1f ms",
                    request.method,
                    request.path,
                    status,
                    elapsed * 1000,
                    extra={"method": request.method, "path": request.path, "status": status, "ms": elapsed * 1000},
                )
            request_id.reset(token)

    return request_tween


def includeme(config):
    install_record_factory()
    if setting(config.get_settings(), "amphi.logs.format") == "json":
        use_json_logs()
    config.add_tween("core.ops.logs.request_tween_factory", under=INGRESS)

"""``/healthz`` (the process answers) and ``/readyz`` (what it needs answers too).

``/healthz`` touches nothing: a load balancer or systemd's watchdog learns the process is up.
``/readyz`` checks the database, the task queue, each site's storage and what plugins add
(``amphi_readiness_checks``), each in a thread of its own with a time limit, and answers 200 or 503
with a JSON body naming each check and what failed. The reasons (which may name hosts) are given
only to clients allowed to read the metrics (:func:`core.ops.metrics.metrics_allowed`); others get
the names of the failed checks.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor, wait
from functools import partial

from pyramid.response import Response
from sqlalchemy import select, text

from core.models import Site
from core.ops.checks import Check, Outcome, plugin_checks, run_check
from core.pipeline.storage import get_storage, site_prefix
from core.platform.tasks import huey

log = logging.getLogger(__name__)

#: Seconds a readiness check may take before it counts as failed.
CHECK_TIMEOUT = 5.0


def healthz(request) -> Response:
    return json_response({"status": "ok"}, 200)


def readyz(request) -> Response:
    from core.ops.metrics import metrics_allowed  # deferred: prometheus_client reads PROMETHEUS_MULTIPROC_DIR on import

    outcomes = run_checks(readiness_checks(request.registry), CHECK_TIMEOUT)
    failed = [outcome.name for outcome in outcomes if not outcome.ok]
    detailed = metrics_allowed(request)
    body = {
        "status": "failing" if failed else "ok",
        "failed": failed,
        "checks": {o.name: "ok" if o.ok else (o.problem if detailed else "failed") for o in outcomes},
    }
    if failed:
        log.warning("not ready: %s", "; ".join(f"{o.name}: {o.problem}" for o in outcomes if not o.ok))
    return json_response(body, 503 if failed else 200)


def json_response(body: dict, status: int) -> Response:
    response = Response(json_body=body, status=status)
    response.cache_control = "no-store"
    return response


def readiness_checks(registry) -> list[Check]:
    """The database, the queue, each site's storage, then the plugins' checks."""
    checks = [Check("database", lambda: database_problem(registry)), Check("queue", queue_problem)]
    try:
        sites = site_list(registry)
    except Exception:  # noqa: BLE001 — the database check says why
        sites = []
    checks += [Check(f"storage: {slug}", partial(storage_problem, registry, site)) for site, slug in sites]
    return checks + plugin_checks(registry, "amphi_readiness_checks")


def run_checks(checks: list[Check], timeout: float) -> list[Outcome]:
    """Run ``checks`` side by side; one still running after ``timeout`` seconds has failed."""
    if not checks:
        return []
    pool = ThreadPoolExecutor(max_workers=min(8, len(checks)), thread_name_prefix="readyz")
    futures = [pool.submit(run_check, check) for check in checks]
    wait(futures, timeout=timeout)
    pool.shutdown(wait=False, cancel_futures=True)
    return [
        future.result() if future.done() else Outcome(check.name, f"no answer within {timeout:g} seconds")
        for check, future in zip(checks, futures, strict=True)
    ]


def database_problem(registry) -> str | None:
    with registry["db_engine"].connect() as connection:
        connection.execute(text("SELECT 1"))
    return None


def site_list(registry) -> list[tuple[Site, str]]:
    """Every site, read in a short session closed before any storage is asked anything."""
    session = registry["dbsession_factory"]()
    try:
        sites = session.scalars(select(Site).order_by(Site.slug)).all()
        for site in sites:
            session.expunge(site)
        return [(site, site.slug) for site in sites]
    finally:
        session.close()


def queue_problem() -> str | None:
    if huey.immediate:
        return None  # memory://: tasks run inline, there is no queue to reach
    huey.storage.queue_size()
    return None


def storage_problem(registry, site: Site) -> str | None:
    """The site's storage answers: a remote store answers a lookup, a local one's folder is there."""
    storage = get_storage(registry, site)
    probe = f"{site_prefix(site.id)}/readyz"
    local = storage.local_path(probe)
    if local is not None:
        root = (local[: -len(probe)] or ".").rstrip("/") or "/"
        if not os.path.isdir(root) and not os.path.isdir(os.path.dirname(root)):
            return f"the storage folder {root} is missing, and so is the folder it would be made in"
        return None
    storage.exists(probe)
    return None


def includeme(config):
    config.add_route("ops.healthz", "/healthz")
    config.add_route("ops.readyz", "/readyz")
    config.add_view(healthz, route_name="ops.healthz", request_method=("GET", "HEAD"))
    config.add_view(readyz, route_name="ops.readyz", request_method=("GET", "HEAD"))

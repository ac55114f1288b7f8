"""Prometheus metrics at ``/metrics`` (``prometheus_client``), off unless ``amphi.metrics.enabled``.

Counted in each web process: requests by route name, method and status, and their latency
(a histogram), by the request tween (:mod:`core.ops.logs`). Read from the database when scraped, so
they are the same whichever process (or host) answers: jobs queued / running / failed by kind, the
wall-clock seconds encode and compose jobs finished in the last hour took per second of video they
produced, the bytes each site stores. Plugins add gauges read at the same moment (``amphi_metrics``:
the live plugin's viewers).

Several processes (``amphi serve --workers N``): each writes its counts to files in
``PROMETHEUS_MULTIPROC_DIR`` (``amphi serve`` makes ``<var_dir>/metrics`` and sets it, emptied at
start, when the variable is not set) and the process that answers a scrape adds them all up
(prometheus_client's multiprocess mode). The variable must be set before prometheus_client is
imported, which is why this module is imported only once the application is configured.

Access: the client's address must lie in ``amphi.metrics.allowed_networks`` (when set) and it must
send ``Authorization: Bearer <amphi.metrics.token>`` (when set); anything else gets 404.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
from collections import defaultdict
from datetime import timedelta

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from sqlalchemy import func, select

from core.access.security import address_in
from core.access.tokens import own_authorization
from core.models import Job, MediaFile, Site, Video, utcnow
from core.ops.checks import GaugeReading
from core.ops.metrics_dir import MULTIPROC_ENV
from core.platform.errors import ConfigurationError
from core.platform.settings import setting

log = logging.getLogger(__name__)

#: The states of jobs counted (done and cancelled jobs pile up for good: not a gauge anyone watches).
JOB_STATES = ("queued", "running", "failed")
#: The job kinds whose wall-clock time per second of output is measured.
ENCODE_KINDS = ("encode", "compose")
METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")

#: This process's own metrics (what the multiprocess files hold, with several processes).
PROCESS_METRICS = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "amphi_http_requests",
    "HTTP requests answered, by route name, method and status.",
    ("route", "method", "status"),
    registry=PROCESS_METRICS,
)
LATENCY = Histogram(
    "amphi_http_request_duration_seconds",
    "Seconds from a request's arrival to its response, by route name.",
    ("route",),
    registry=PROCESS_METRICS,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def observe_request(registry, request, status: int, seconds: float) -> None:
    """Count one answered request (called by the request tween for every request)."""
    if not registry.get("amphi.metrics.enabled"):
        return
    route = getattr(request, "matched_route", None)
    if route is not None:
        name = route.name
    elif request.environ.get("amphi.page_cache.hit"):
        name = "page_cache"
    else:
        name = "unmatched"
    REQUESTS.labels(name, request.method, str(status)).inc()
    LATENCY.labels(name).observe(seconds)


def metrics_allowed(request) -> bool:
    """Whether this client may read the metrics (and the reasons ``/readyz`` gives)."""
    settings = request.registry.settings
    if not setting(settings, "amphi.metrics.enabled"):
        return False
    networks = setting(settings, "amphi.metrics.allowed_networks")
    if networks and not address_in(request.client_addr, networks, "amphi.metrics.allowed_networks"):
        return False
    token = setting(settings, "amphi.metrics.token")
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return True


def metrics_view(request) -> Response:
    if not metrics_allowed(request):
        raise HTTPNotFound()
    body = generate_latest(scrape_registry(request.registry))
    response = Response(body=body, content_type=CONTENT_TYPE_LATEST.split(";")[0], charset="utf-8")
    response.cache_control = "no-store"
    return response


def scrape_registry(app_registry) -> CollectorRegistry:
    """What one scrape reads: every process's counts, the database's figures, the plugins' gauges."""
    from prometheus_client import multiprocess

    scrape = CollectorRegistry(auto_describe=True)
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.MultiProcessCollector(scrape)
    else:
        scrape.register(_Forward(PROCESS_METRICS))
    scrape.register(DatabaseCollector(app_registry))
    scrape.register(PluginCollector(app_registry))
    return scrape


class _Forward:
    def __init__(self, registry: CollectorRegistry):
        self.registry = registry

    def collect(self):
        yield from self.registry.collect()


class DatabaseCollector:
    """Figures read from the database at scrape time, in one short session."""

    def __init__(self, registry):
        self.registry = registry

    def collect(self):
        session = self.registry["dbsession_factory"]()
        try:
            yield jobs_gauge(session)
            yield encode_speed_gauge(session)
            yield storage_gauge(session)
        finally:
            session.close()


def jobs_gauge(session) -> GaugeMetricFamily:
    gauge = GaugeMetricFamily("amphi_jobs", "Jobs queued, running or failed, by kind.", labels=("kind", "state"))
    rows = session.execute(
        select(Job.kind, Job.state, func.count(Job.id)).where(Job.state.in_(JOB_STATES)).group_by(Job.kind, Job.state)
    )
    for kind, state, count in rows:
        gauge.add_metric((kind, state), count)
    return gauge


def encode_speed_gauge(session) -> GaugeMetricFamily:
    """Seconds of work per second of video, over the encode and compose jobs done in the last hour."""
    gauge = GaugeMetricFamily(
        "amphi_encode_seconds_per_output_second",
        "Wall-clock seconds the jobs done in the last hour took per second of video produced, by kind.",
        labels=("kind",),
    )
    rows = session.execute(
        select(Job.kind, Job.started_at, Job.finished_at, Video.duration)
        .join(Video, Video.id == Job.video_id)
        .where(Job.kind.in_(ENCODE_KINDS), Job.state == "done", Job.finished_at >= utcnow() - timedelta(hours=1))
    )
    work: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for kind, started, finished, duration in rows:
        if started and finished and duration:
            work[kind][0] += (finished - started).total_seconds()
            work[kind][1] += duration
    for kind, (seconds, output) in sorted(work.items()):
        gauge.add_metric((kind,), seconds / output)
    return gauge


def storage_gauge(session) -> GaugeMetricFamily:
    gauge = GaugeMetricFamily("amphi_storage_bytes", "Bytes of media each site stores.", labels=("site",))
    rows = session.execute(
        select(Site.slug, func.coalesce(func.sum(MediaFile.size), 0))
        .select_from(Site)
        .outerjoin(Video, Video.site_id == Site.id)
        .outerjoin(MediaFile, MediaFile.video_id == Video.id)
        .group_by(Site.slug)
    )
    for slug, size in rows:
        gauge.add_metric((slug,), float(size))
    return gauge


class PluginCollector:
    """The gauges plugins report (``amphi_metrics``); a failing plugin is logged and left out."""

    def __init__(self, registry):
        self.registry = registry

    def collect(self):
        families: dict[str, GaugeMetricFamily] = {}
        for impl in self.registry.plugins.pm.hook.amphi_metrics.get_hookimpls():
            try:
                readings = list(impl.function(registry=self.registry) or ())
            except Exception:
                log.exception("plugin %s failed in amphi_metrics", impl.plugin_name)
                continue
            for reading in readings:
                family = self._family(families, impl.plugin_name, reading)
                if family is not None:
                    family.add_metric(tuple(str(reading.labels[k]) for k in family._labelnames), reading.value)
        yield from families.values()

    @staticmethod
    def _family(families, plugin: str, reading) -> GaugeMetricFamily | None:
        if not isinstance(reading, GaugeReading) or not METRIC_NAME.match(reading.name):
            log.error("plugin %s: amphi_metrics must return GaugeReading objects, not %r", plugin, reading)
            return None
        family = families.get(reading.name)
        if family is None:
            family = families[reading.name] = GaugeMetricFamily(
                reading.name, reading.help, labels=sorted(reading.labels)
            )
        if sorted(reading.labels) != list(family._labelnames):
            log.error("plugin %s: %s readings have different labels", plugin, reading.name)
            return None
        return family


def includeme(config):
    settings = config.get_settings()
    enabled = setting(settings, "amphi.metrics.enabled")
    if enabled and not (
        setting(settings, "amphi.metrics.token") or setting(settings, "amphi.metrics.allowed_networks")
    ):
        raise ConfigurationError(
            "amphi.metrics.enabled needs amphi.metrics.token or amphi.metrics.allowed_networks (anyone could read them)"
        )
    config.registry["amphi.metrics.enabled"] = enabled
    config.add_route("ops.metrics", "/metrics", factory=own_authorization)  # the scrape token is no API token
    config.add_view(metrics_view, route_name="ops.metrics", request_method="GET")

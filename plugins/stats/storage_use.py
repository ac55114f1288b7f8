"""How many bytes a site stores: every key under ``sites/<id>/`` in its storage, walked and added up.

The database records only some files of a video (HLS segments, for one, are served by path
under their playlist's folder), so the figure comes from the storage itself: originals,
every rendition and segment, downloads, thumbnails, text tracks, uploads in progress, and
what plugins keep (posters, channel banners, enrichment documents). Walking a large site
takes a while, so it runs in the worker (nightly, and when a site admin asks), outside any
database transaction, and the page shows the latest measure with its time.
"""

from __future__ import annotations

import logging
import re
from collections import Counter

from huey import crontab
from sqlalchemy import select

from core.models import Site
from core.plugin_api import enqueue_after_commit, get_storage, huey, site_prefix, worker_request
from plugins.stats.models import StorageMeasure

log = logging.getLogger(__name__)

NAME = "stats"
PARTS = ("originals", "outputs", "tracks", "uploads", "other")
#: Which part a key (relative to the site's folder) belongs to; the first pattern that matches wins.
PART_OF_KEY = (
    (re.compile(r"^videos/\d+/(source|recordings/.*)$"), "originals"),
    (re.compile(r"^videos/\d+/outputs/"), "outputs"),
    (re.compile(r"^videos/\d+/tracks/"), "tracks"),
    (re.compile(r"^(uploads|ingest)/"), "uploads"),
)


def part_of(relative_key: str) -> str:
    """``videos/4/outputs/9/hls/360p/seg_001.m4s`` -> ``outputs``."""
    return next((part for pattern, part in PART_OF_KEY if pattern.match(relative_key)), "other")


def count_bytes(storage, site_id: int) -> tuple[Counter, int]:
    """Bytes per part of everything the site stores, and how many files (a walk of the storage)."""
    prefix = site_prefix(site_id)
    sizes, files = Counter(), 0
    for key, size in storage.walk(prefix):
        sizes[part_of(key.removeprefix(prefix + "/"))] += size
        files += 1
    return sizes, files


def measure_site(site_id: int) -> StorageMeasure | None:
    """Walk the site's storage (no transaction open meanwhile), then record the measure."""
    with worker_request(site_id) as request:
        if request.site is None:
            return None
        storage = get_storage(request.registry, request.site)
    sizes, files = count_bytes(storage, site_id)
    with worker_request(site_id) as request:
        measure = StorageMeasure(site_id=site_id, files=files, **{part: sizes[part] for part in PARTS})
        request.dbsession.add(measure)
        request.dbsession.flush()
        request.dbsession.expunge(measure)
    return measure


def latest_measure(dbsession, site_id: int) -> StorageMeasure | None:
    return dbsession.scalar(
        select(StorageMeasure)
        .where(StorageMeasure.site_id == site_id)
        .order_by(StorageMeasure.measured_at.desc(), StorageMeasure.id.desc())
        .limit(1)
    )


@huey.task()
def measure_site_task(site_id: int) -> None:
    measure_site(site_id)


def measure_after_commit(request) -> None:
    """Queue a measure of the request's site, sent once the request commits."""
    enqueue_after_commit(request, measure_site_task, request.site.id)


@huey.periodic_task(crontab(hour="2", minute="43"))
def measure_every_site() -> None:
    """Nightly: measure each site that enables the statistics."""
    with worker_request() as request:
        site_ids = [
            site.id for site in request.dbsession.scalars(select(Site).order_by(Site.id)) if site.has_plugin(NAME)
        ]
    for site_id in site_ids:
        try:
            measure_site(site_id)
        except Exception:  # noqa: BLE001 — one site's storage failing must not stop the others
            log.exception("measuring the storage of site %s failed", site_id)

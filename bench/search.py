"""Search benchmark: index N generated videos, then time searches as an anonymous visitor and a member.

    .venv/bin/python bench/search.py --videos 20000 --db sqlite
    .venv/bin/python bench/search.py --videos 20000 --db postgresql

Seeds the videos straight into the database, then times the search plugin's bulk reindex
(``amphi search reindex``) and prints its rate, then the median and worst time of each kind of query (words, words with a
facet filter, a browse by date, suggestions) over ``--repeat`` runs, with the number of matches.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from core.testing import settings_for_tests, temporary_database  # noqa: E402

WORDS = (
    "cours introduction thermodynamique mécanique quantique économie droit histoire moderne élève "
    "chimie organique biologie cellulaire mitose séminaire conférence anglais statistique réseau "
    "algorithme analyse géographie philosophie morale énergie climat littérature médiévale"
).split()
QUERIES = {
    "one word": {"text": "thermodynamique"},
    "two words": {"text": "cours chimie"},
    "words + facet": {"text": "cours", "filters": {"language": ["fr"]}},
    "browse by date": {"sort": "date"},
    "no match": {"text": "zzzyyx"},
}


def build(app_settings, videos: int) -> tuple[int, float]:
    from sqlalchemy import insert, text

    from core.access.users import create_user
    from core.models import Video
    from core.platform.app import make_app
    from core.platform.db import make_engine
    from core.platform.migrate import upgrade
    from core.platform.plugins import make_plugin_host
    from core.platform.settings import load_settings
    from core.platform.sites import create_site
    from core.platform.tasks import worker_request

    host = make_plugin_host(load_settings(app_settings))
    engine = make_engine(app_settings["amphi.database_url"])
    upgrade(engine, host)
    engine.dispose()
    make_app(None, app_settings, plugin_host=host)
    rng = random.Random(1)
    with worker_request() as request:
        site = create_site(request.dbsession, request.registry, "bench", "Bench", ["bench.test"])
        request.site = site
        owners = [
            create_user(request, f"prof{i}", display_name=f"Prof {w.title()}", role="staff").id
            for i, w in enumerate(WORDS[:10])
        ]
        site_id = site.id
    rows = [
        {
            "site_id": site_id,
            "owner_id": rng.choice(owners),
            "slug": f"v{n}",
            "title": " ".join(rng.sample(WORDS, 4)),
            "description": " ".join(rng.choices(WORDS, k=60)),
            "language": rng.choice(("fr", "en")),
            "duration": rng.uniform(60, 7200),
            "date_recorded": date(rng.randint(2015, 2026), 1, 1),
            "status": "ready",
            "access": rng.choice(("public", "public", "signed-in", "draft")),
        }
        for n in range(videos)
    ]
    with worker_request(site_id) as request:
        for start in range(0, videos, 5000):  # the catalogue, straight in; then the plugin's bulk reindex
            request.dbsession.execute(insert(Video), rows[start : start + 5000])
        request.dbsession.execute(text("ANALYZE videos"))  # as autovacuum would after a bulk load
    started = time.perf_counter()
    with worker_request(site_id) as request:
        indexed = request.hooks.amphi_search_reindex(request=request)
    assert indexed == [videos], indexed
    return site_id, time.perf_counter() - started


def measure(site_id: int, repeat: int) -> None:
    from core.catalogue.search import SearchQuery, search, suggest
    from core.platform.tasks import worker_request

    for name, params in QUERIES.items():
        times, total = [], 0
        for _ in range(repeat):
            with worker_request(site_id) as request:
                request.user = None
                started = time.perf_counter()
                total = search(request, SearchQuery(**params)).total
                times.append(time.perf_counter() - started)
        print(
            f"  {name:16} {statistics.median(times) * 1000:7.1f} ms median, {max(times) * 1000:7.1f} ms worst,"
            f" {total} matches"
        )
    times = []
    for _ in range(repeat):
        with worker_request(site_id) as request:
            request.user = None
            started = time.perf_counter()
            suggest(request, "thermo")
            times.append(time.perf_counter() - started)
    print(f"  {'suggest':16} {statistics.median(times) * 1000:7.1f} ms median, {max(times) * 1000:7.1f} ms worst")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, default=5000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, temporary_database(folder, args.db) as url:
        site_id, seconds = build(settings_for_tests(url, folder), args.videos)
        print(f"{args.db}: indexed {args.videos} videos in {seconds:.1f} s ({args.videos / seconds:.0f}/s)")
        measure(site_id, args.repeat)


if __name__ == "__main__":
    main()

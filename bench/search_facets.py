"""Search page benchmark: CPU and wall time of /search with facets, in process, cached and uncached.

    .venv/bin/python bench/search_facets.py --videos 100000 --db sqlite
    .venv/bin/python bench/search_facets.py --videos 100000 --db postgresql --folder /tmp/amphi-bench-pg

Seeds the catalogue as bench/pages.py does (80 % public, 10 % signed-in, 10 % drafts, two tags
each, twenty channels), gives a teacher 500 of the videos and the site admin none, builds the
search_sql index (``amphi search reindex``), then times WebTest GETs of the search page: CPU time
of this process (``time.process_time``, the page's Python and, on SQLite, the database's work) and
wall time, median and 95th percentile of ``--repeat`` requests, for an anonymous visitor, the
teacher (their own drafts on top of the shared counts) and the site admin. Each query runs three
ways side by side: without the facet cache (every count and ranking done again: the path before
the cache), on a cold cache (cleared before each request: the first visitor after a change)
and on a warm one. ``--folder`` keeps the seeded database between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

QUERIES = {
    "45 % word": "/search?q=analyse",
    "45 % by date": "/search?q=analyse&sort=date",
    "two words": "/search?q=analyse+int%C3%A9grale",
    "word + 2 facets": "/search?q=analyse&tag=chimie&channel=channel-3",
    "every video": "/search?q=cours",
    "browse (no words)": "/search?sort=date",
    "no match": "/search?q=zzzyyx",
}
PASSWORD = "bench password 1"


def prepare(folder: Path, db: str, videos: int) -> Path:
    """The ini of a seeded, indexed catalogue in ``folder`` (built once, reused afterwards)."""
    from sqlalchemy import text

    from core.platform.db import make_engine
    from core.testing import DEFAULT_POSTGRES_URL, write_ini

    state = folder / "bench-state.json"
    if state.exists():
        saved = json.loads(state.read_text())
        if saved["videos"] == videos and saved["db"] == db:
            return Path(saved["ini"])
        raise SystemExit(f"{folder} holds another catalogue: {saved}")
    if db == "sqlite":
        url = f"sqlite:///{folder}/amphi.sqlite"
    else:  # a database of its own, kept with the folder (drop it by hand: its name is in bench-state.json)
        server = os.environ.get("AMPHI_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
        name = f"amphi_bench_search_{os.getpid()}"
        admin = make_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = server.rsplit("/", 1)[0] + "/" + name
    url = url.replace("postgresql://", "postgresql+psycopg://")
    ini = write_ini(folder, url, **{"amphi.worker.embedded": "false", "amphi.api.rate_limit": "0"})
    amphi = [sys.executable, "-m", "core.cli", "-c", str(ini)]
    subprocess.run(amphi + ["init", "--admin-password", PASSWORD], check=True, capture_output=True)
    import pages

    started = time.perf_counter()
    pages.seed(url, videos, random.Random(videos))
    engine = make_engine(url)
    with engine.begin() as connection:
        slug = connection.execute(text("SELECT slug FROM sites WHERE is_default")).scalar()
    subprocess.run(
        amphi + ["user", "add", slug, "teacher", "--role", "staff", "--password", PASSWORD],
        check=True,
        capture_output=True,
    )
    with engine.begin() as connection:  # the teacher owns 500 videos, 50 of them drafts
        teacher = connection.execute(text("SELECT id FROM users WHERE username = 'teacher'")).scalar()
        connection.execute(text("UPDATE videos SET owner_id = :t WHERE id % 200 = 7"), {"t": teacher})
    engine.dispose()
    subprocess.run(amphi + ["search", "reindex"], check=True, capture_output=True)
    print(f"seeded and indexed {videos} videos on {db} in {time.perf_counter() - started:.0f} s", flush=True)
    state.write_text(json.dumps({"videos": videos, "db": db, "ini": str(ini), "url": url}))
    return ini


def browser(app, user: str | None):
    from core.testing import AmphiTestApp

    client = AmphiTestApp(app, extra_environ={"HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "192.0.2.10"})
    if user:
        client.sign_in(user, PASSWORD)
    return client


def timed(client, path: str, repeat: int, before=None) -> tuple[list[float], list[float]]:
    cpu, wall = [], []
    for _ in range(repeat):
        if before:
            before()
        started_cpu, started = time.process_time(), time.perf_counter()
        client.get(path, status=200)
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    return cpu, wall


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(len(values) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--folder", help="keep the seeded catalogue here and reuse it (default: a temporary one)")
    parser.add_argument("--users", default="anonymous,teacher,admin")
    parser.add_argument("--queries", default=",".join(QUERIES), help="names of QUERIES, comma-separated")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="amphi-search-bench-") as scratch:
        folder = Path(args.folder or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        ini = prepare(folder, args.db, args.videos)
        from pyramid.paster import get_app

        try:
            from plugins.search_sql import cache
        except ImportError:  # a checkout from before the cache (PYTHONPATH=...): the uncached column only
            cache = None
        app = get_app(str(ini))
        print(f"{args.db}, {args.videos} videos; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
        print(f"median / p95 of {args.repeat} requests, ms: CPU of this process, then wall")
        print(
            f"{'user':10s} {'query':18s} {'uncached cpu':>14s} {'wall':>13s} {'cold cpu':>13s} {'wall':>13s}"
            f" {'warm cpu':>13s} {'wall':>13s}"
        )
        for user in args.users.split(","):
            client = browser(app, None if user == "anonymous" else user)
            for name in args.queries.split(","):
                path = QUERIES[name]
                client.get(path, status=200)  # templates, plans, connections
                cells = []
                for enabled, before in ((False, None), (True, cache and cache.clear), (True, None))[
                    : 3 if cache else 1
                ]:
                    if cache:
                        cache.ENABLED = enabled
                    cpu, wall = timed(client, path, args.repeat, before)
                    cells += [
                        f"{statistics.median(cpu) * 1000:6.1f}/{p95(cpu) * 1000:6.1f}",
                        f"{statistics.median(wall) * 1000:6.1f}/{p95(wall) * 1000:6.1f}",
                    ]
                print(f"{user:10s} {name:18s} " + " ".join(f"{c:>13s}" for c in cells), flush=True)
        print(f"load average afterwards {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

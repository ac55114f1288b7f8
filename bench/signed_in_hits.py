"""What a signed-in student's page served from the page cache costs, in process: queries and CPU per hit.

    .venv/bin/python bench/signed_in_hits.py --databases sqlite,postgresql
    .venv/bin/python bench/signed_in_hits.py --databases postgresql --profile   # and cProfile's top functions

Seeds the catalogue of bench/pages.py (1,000 videos), signs a student in through WebTest, warms the
home page, All videos and a video page until they are cache hits, then prints for each the SQL
statements one hit runs and the CPU time of this process per hit (the database server's is not
counted: see bench/pages.py for requests/s under load).
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import pstats
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import webtest  # noqa: E402
from pages import init_with_a_student, seed  # noqa: E402
from pyramid.paster import get_app  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from core.testing import temporary_database, write_ini  # noqa: E402

STATEMENTS: collections.Counter = collections.Counter()
_counting = [False]


@event.listens_for(Engine, "before_cursor_execute")
def _count(conn, cursor, statement, parameters, context, executemany):
    if _counting[0]:
        STATEMENTS[re.sub(r"\s+", " ", statement)[:110]] += 1


def measure(database: str, hits: int, profile: bool) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="amphi-hits-bench-") as folder,
        temporary_database(Path(folder), database) as url,
    ):
        url = url.replace("postgresql://", "postgresql+psycopg://")
        ini = write_ini(Path(folder), url, **{"amphi.worker.embedded": "false", "amphi.api.rate_limit": "0"})
        init_with_a_student(ini)
        target = seed(url, 1000, random.Random(1000))
        app = webtest.TestApp(get_app(str(ini)), extra_environ={"HTTP_HOST": "localhost"})
        token = re.search(r'name="csrf_token" value="([^"]+)"', app.get("/login").text).group(1)
        form = {"username": "student", "password": "student password 1", "csrf_token": token}
        app.post("/auth/local/login", form)
        for name, path in (("home+u", "/"), ("list+u", "/videos"), ("video+u", f"/videos/{target}")):
            for _ in range(5):
                answer = app.get(path)
            if answer.headers.get("X-Amphi-Cache") != "hit":
                print(f"{database} {name}: not served from the cache")
                continue
            STATEMENTS.clear()
            _counting[0] = True
            app.get(path)
            _counting[0] = False
            started = time.process_time()
            for _ in range(hits):
                app.get(path)
            cpu = (time.process_time() - started) / hits * 1000
            print(f"{database:10s} {name:8s} {sum(STATEMENTS.values())} statements, {cpu:.2f} ms CPU per hit")
            for statement, count in STATEMENTS.most_common():
                print(f"    {count} x {statement}")
            if profile:
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(hits):
                    app.get(path)
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
                print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql", help="default sqlite,postgresql")
    parser.add_argument("--hits", type=int, default=300, help="hits timed per page (default 300)")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions too")
    args = parser.parse_args()
    for database in args.databases.split(","):
        measure(database, args.hits, args.profile)


if __name__ == "__main__":
    main()

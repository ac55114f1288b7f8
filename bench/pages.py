"""Page benchmark: a real `amphi serve` over a seeded catalogue, loaded by wrk from another process.

    .venv/bin/python bench/pages.py                                  # 1,000 and 100,000 videos, SQLite and PostgreSQL
    .venv/bin/python bench/pages.py --videos 1000 --databases sqlite --seconds 5   # quicker

For each database and catalogue size: seeds users, tags and videos (80 % public, 10 % for
signed-in users, 10 % drafts, three years of dates) straight into the database, starts
`amphi serve`, then measures with wrk, one page after the other: requests per second and
p50/p95 latency under 16 concurrent connections, and the median of one request at a time.
Pages: the home page (featured channels and recent videos), a video page, the browse list, a channel
page (twenty channels share the videos), a search with facets when a search plugin answers
`/search`, all for anonymous visitors, then the home page, the list and the video page of a
signed-in student (``home+u``, ``list+u``, ``video+u``). ``--page-cache on,off`` (the default) runs
each setting with the page cache on, then off ("nc"), side by side. The reference figures are
Esup-Pod 4.1's (uWSGI with 4 processes, SQLite, 1,000 videos, 16 connections, anonymous, measured
on the same kind of machine in one quiet run): home 43-48 requests/s (p50 330-375 ms), list 20-24,
video page 35-40; one request alone 42-61 ms. Each page's ratio is against the upper figure; the
target for a signed-in student is 10 times it.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from core.models import (  # noqa: E402
    Channel,
    MediaFile,
    Site,
    Tag,
    User,
    Video,
    VideoType,
    video_channels,
    video_tags,
)
from core.platform.db import make_engine  # noqa: E402
from core.testing import free_port, http_sign_in, temporary_database, write_ini  # noqa: E402

#: Esup-Pod 4.1, anonymous, 16 connections: page -> ((low, high) requests/s, (low, high) ms for one request alone).
REFERENCE = {"home": ((43, 48), (42, 61)), "list": ((20, 24), (42, 61)), "video": ((35, 40), (42, 61))}
TARGET = 10  # times Esup-Pod's requests/s, for a signed-in student
WORDS = (
    "analyse intégrale algèbre linéaire probabilités statistique mécanique quantique thermodynamique "
    "chimie organique biologie cellulaire génétique droit constitutionnel économie histoire médiévale "
    "philosophie morale littérature comparée informatique réseaux compilation électronique optique "
    "géologie astronomie sociologie linguistique anatomie pharmacologie"
).split()
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %d %.3f %.3f %.3f\\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
  io.write(string.format("ERRORS %d %d\\n", summary.errors.status, summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""


def seed(url: str, count: int, rng: random.Random) -> int:
    """Users, tags and ``count`` videos of the default site; returns a public video's id."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as db:
        site_id = db.scalar(select(Site.id).where(Site.is_default.is_(True)))
        course = db.scalar(select(VideoType.id).where(VideoType.site_id == site_id, VideoType.slug == "course"))
        users = [
            {
                "site_id": site_id,
                "username": f"teacher{n}",
                "display_name": f"Teacher {n}",
                "email": "",
                "affiliation": "faculty",
                "locale": "",
                "is_active": True,
                "can_upload": True,
                "is_site_admin": False,
                "is_superuser": False,
                "session_epoch": 0,
                "created_at": now,
            }
            for n in range(max(10, count // 500))
        ]
        db.execute(insert(User), users)
        user_ids = list(db.scalars(select(User.id).where(User.site_id == site_id, User.username.like("teacher%"))))
        db.execute(insert(Tag), [{"site_id": site_id, "name": word} for word in WORDS])
        tag_ids = list(db.scalars(select(Tag.id).where(Tag.site_id == site_id)))
        batch = []
        for n in range(count):
            words = rng.sample(WORDS, 3)
            created = now - timedelta(seconds=rng.randrange(3 * 365 * 86400))
            batch.append(
                {
                    "site_id": site_id,
                    "owner_id": rng.choice(user_ids),
                    "title": f"{' '.join(words).capitalize()} {n}",
                    "slug": f"video-{n}",
                    "description": f"Cours de {words[0]} : {' '.join(rng.sample(WORDS, 12))}.",
                    "language": "fr",
                    "duration": float(rng.randrange(300, 7200)),
                    "status": "ready",
                    "access": rng.choices(["public", "signed-in", "draft"], [8, 1, 1])[0],
                    "status_reason": "",
                    "poster_key": "",
                    "password_hash": "",
                    "allow_downloads": False,
                    "license": "cc-by",
                    "type_id": course if n % 3 == 0 else None,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            if len(batch) == 5000:
                db.execute(insert(Video), batch)
                batch = []
        if batch:
            db.execute(insert(Video), batch)
        ids = list(db.scalars(select(Video.id).where(Video.site_id == site_id)))
        links = [{"video_id": vid, "tag_id": tag} for vid in ids for tag in rng.sample(tag_ids, 2)]
        for start in range(0, len(links), 20000):
            db.execute(insert(video_tags), links[start : start + 20000])
        # Twenty public channels (five featured on the home page), each video in one of them.
        db.execute(
            insert(Channel),
            [
                {
                    "site_id": site_id,
                    "slug": f"channel-{n}",
                    "title": f"Channel {n}",
                    "description": "",
                    "visibility": "public",
                    "open_to_all": False,
                    "featured": n < 5,
                    "position": n,
                    "banner_key": "",
                    "banner_mime": "",
                    "created_at": now,
                }
                for n in range(20)
            ],
        )
        channel_ids = list(db.scalars(select(Channel.id).where(Channel.site_id == site_id).order_by(Channel.id)))
        members = [{"video_id": vid, "channel_id": channel_ids[i % 20]} for i, vid in enumerate(ids)]
        for start in range(0, len(members), 20000):
            db.execute(insert(video_channels), members[start : start + 20000])
        target = db.scalar(select(Video.id).where(Video.access == "public").order_by(Video.id.desc()).limit(1))
        db.execute(
            insert(MediaFile),
            [
                {
                    "video_id": target,
                    "kind": kind,
                    "rendition": "",
                    "key": key,
                    "size": 1,
                    "mime": mime,
                    "created_at": now,
                }
                for kind, key, mime in (
                    ("hls-master", f"videos/{target}/jobs/1/outputs/hls/master.m3u8", "application/vnd.apple.mpegurl"),
                    ("thumbnail", f"videos/{target}/jobs/1/outputs/thumbs/poster_1.jpg", "image/jpeg"),
                )
            ],
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
        db.exec_driver_sql("ANALYZE")  # as autovacuum (PostgreSQL) or `PRAGMA optimize` would: plans need statistics
    engine.dispose()
    return target


def init_with_a_student(ini: Path) -> list[str]:
    """Create the database, the default site and a student ``student``; give the command that runs amphi."""
    amphi = [sys.executable, "-m", "core.cli", "-c", str(ini)]
    subprocess.run(amphi + ["init", "--admin-password", "bench password 1"], check=True, capture_output=True)
    subprocess.run(
        amphi + ["user", "add", "default", "student", "--password", "student password 1"],
        check=True,
        capture_output=True,
    )
    return amphi


def wait_for(url: str) -> None:
    for _ in range(900):  # up to 3 minutes: a loaded machine starts slowly
        try:
            urllib.request.urlopen(url).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def wrk(url: str, connections: int, seconds: int, script: Path, headers: dict | None = None) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("the benchmarks load the server with wrk: apt-get install wrk")
    extra = [arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")]
    done = subprocess.run(
        [
            "wrk",
            "-t",
            str(min(connections, 2)),
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            *extra,
            url,
        ],
        capture_output=True,
        text=True,
    )
    match = re.search(r"BENCH (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+)", done.stdout)
    errors = re.search(r"ERRORS (\d+) (\d+)", done.stdout)
    if not match:
        raise SystemExit(f"wrk failed: {done.stdout} {done.stderr}")
    requests, micros = int(match.group(1)), int(match.group(2))
    return {
        "rps": requests / (micros / 1e6),
        "p50": float(match.group(3)),
        "p95": float(match.group(4)),
        "p99": float(match.group(5)),
        "bad": int(errors.group(1)) + int(errors.group(2)),
    }


def measure(
    database: str,
    count: int,
    seconds: int,
    threads: int,
    folder: Path,
    reindex_up_to: int,
    workers: int = 1,
    cache: bool = True,
    only: tuple[str, ...] = (),
) -> list[tuple]:
    rows = []
    label = (database if workers == 1 else f"{database}/{workers}p") + ("" if cache else " nc")
    with temporary_database(folder, database) as url:
        ini = write_ini(
            folder,
            url.replace("postgresql://", "postgresql+psycopg://"),
            **{
                "amphi.worker.embedded": "false",
                "amphi.api.rate_limit": "0",
                "amphi.page_cache.size_mb": "64" if cache else "0",
            },
        )
        amphi = init_with_a_student(ini)
        started = time.perf_counter()
        target = seed(url.replace("postgresql://", "postgresql+psycopg://"), count, random.Random(count))
        seeded = time.perf_counter() - started
        indexed = count <= reindex_up_to
        if indexed:  # when a search plugin offers it (search_sql's bulk reindex: thousands of videos/s)
            subprocess.run(amphi + ["search", "reindex"], capture_output=True)
        port = free_port()
        server = subprocess.Popen(
            amphi
            + ["serve", "--port", str(port), "--workers", str(workers)]
            + (["--threads", str(threads)] if threads else []),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(base + "/login")
            pages = {
                "home": "/",
                "video": f"/videos/{target}",
                "list": "/videos",
                "channel": "/channels/channel-3",
                "search": "/search?q=analyse+int%C3%A9grale",
                "home+u": "/",
                "list+u": "/videos",
                "video+u": f"/videos/{target}",
            }
            # "+u": the page of a signed-in student (a student's session cookie).
            student = {"Cookie": http_sign_in(base, "student", "student password 1")["Cookie"]}
            script = folder / "report.lua"
            script.write_text(LUA)
            for name, path in pages.items():
                if only and name not in only:
                    continue
                if name == "search" and not indexed:
                    rows.append(
                        (
                            label,
                            count,
                            name,
                            None,
                            None,
                            None,
                            None,
                            f"skipped: not indexed (--reindex-up-to {reindex_up_to})",
                        )
                    )
                    continue
                try:
                    status = urllib.request.urlopen(base + path).status
                except OSError:
                    status = 0
                if status != 200:
                    rows.append((label, count, name, None, None, None, None, f"HTTP {status}: skipped"))
                    continue
                headers = student if name.endswith("+u") else None
                wrk(base + path, 4, 2, script, headers)  # warm the caches and the templates
                loaded = wrk(base + path, 16, seconds, script, headers)
                single = wrk(base + path, 1, max(3, seconds // 2), script, headers)
                note = f"{loaded['bad']} errors" if loaded["bad"] else ""
                rows.append((label, count, name, loaded["rps"], loaded["p50"], loaded["p95"], single["p50"], note))
        finally:
            server.terminate()
            server.wait()
    print(f"  seeded {count} videos on {database} in {seeded:.1f} s", flush=True)
    return rows


def report(rows: list[tuple], seconds: int) -> None:
    print(f"\nwrk, 16 connections for {seconds} s per page (p50/p95 under that load); 'alone': one connection")
    print(
        f"{'database':11s} {'videos':>7s} {'page':8s} {'req/s':>8s} {'p50 ms':>7s} {'p95 ms':>7s} {'alone':>7s}"
        f"   Esup-Pod 4.1 (anonymous, 1,000 videos): req/s, ms alone; ratio to its upper figure"
    )
    for database, count, name, rps, p50, p95, alone, note in rows:
        if rps is None:
            print(f"{database:11s} {count:7d} {name:8s} {note}")
            continue
        ref = REFERENCE.get(name.removesuffix("+u"))
        reference = ""
        if ref:
            (low, high), (fast, slow) = ref
            ratio = rps / high
            reference = f"{low}-{high} req/s, {fast}-{slow} ms; x{ratio:.1f}"
            if name.endswith("+u"):
                reference += f" ({'meets' if ratio >= TARGET else 'below'} the x{TARGET} target)"
        print(
            f"{database:11s} {count:7d} {name:8s} {rps:8.1f} {p50:7.1f} {p95:7.1f} {alone:7.1f}   {reference}"
            + (f"  ({note})" if note else "")
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", default="1000,100000", help="catalogue sizes (default 1000,100000)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="default sqlite,postgresql")
    parser.add_argument("--seconds", type=int, default=10, help="seconds of load per page (default 10)")
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="amphi serve's threads per process (default: amphi serve's own default)",
    )
    parser.add_argument("--workers", default="2", help="amphi serve's processes; a list compares (default 2)")
    parser.add_argument(
        "--page-cache", default="on,off", help="anonymous page cache: on, off, or on,off to compare (default on,off)"
    )
    parser.add_argument(
        "--reindex-up-to",
        type=int,
        default=200_000,
        help="build the search index only for catalogues up to this size (default 200000)",
    )
    parser.add_argument("--pages", default="", help="only these pages, e.g. home,video+u (default: all)")
    args = parser.parse_args()
    rows = []
    for database in args.databases.split(","):
        for count in (int(c) for c in args.videos.split(",")):
            for workers in (int(w) for w in args.workers.split(",")):
                for cache in args.page_cache.split(","):
                    with tempfile.TemporaryDirectory(prefix="amphi-pages-bench-") as folder:
                        rows += measure(
                            database,
                            count,
                            args.seconds,
                            args.threads,
                            Path(folder),
                            args.reindex_up_to,
                            workers,
                            cache == "on",
                            tuple(p for p in args.pages.split(",") if p),
                        )
    print(
        f"\n{os.cpu_count()} CPUs; server and wrk share them; '/2p': amphi serve --workers 2; "
        "'nc': page cache off; '+u': a signed-in student's page"
    )
    report(rows, args.seconds)


if __name__ == "__main__":
    main()

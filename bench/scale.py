"""Scale benchmark: the production layout on one machine, every kind of load at once.

    .venv/bin/python bench/scale.py                              # 1 vs 2 web processes x 1 vs 2 workers, 30 s each
    .venv/bin/python bench/scale.py --seconds 5 --web 1 --workers 1 --media-videos 1 --clip-seconds 2   # smoke run

The layout is the one of docs/production.md: PostgreSQL (a database of its own on 127.0.0.1:5432), huey on
Redis (a database number of its own, ``--redis``, which must be empty), SeaweedFS as the object store
(``storage_s3``, as in the tests), Debian's nginx running ``etc/nginx/amphi.conf`` in front (as
tests/nginx_front.py renders it), ``amphi serve --workers N`` and M ``amphi worker`` processes, each with an
ini and a scratch folder of its own. Before the runs: a catalogue of ``--videos`` videos is seeded
(bench/pages.py's ``seed``) and ``--media-videos`` clips are uploaded and encoded, for the media requests.

Then, for every combination of ``--web`` and ``--workers``, for ``--seconds``, at the same time:

- page views: wrk through nginx, ``--page-connections`` connections turning over the home page, the list, a
  video page and a channel page (anonymous) and a signed-in student's home and video page;
- media requests: wrk through nginx, ``--media-connections`` connections turning over the HLS segments of the
  ready videos as their owner: the application checks each (signature, rights) and answers
  ``X-Accel-Redirect`` to a presigned URL that nginx fetches from the store;
- uploads: a tus upload (create + one PATCH, sendfile client of bench/upload.py) through nginx to the store,
  one every ``--upload-every`` seconds; each queues an encode;
- encodes: the workers (``--concurrency 1`` each) encode the uploaded clips with the production settings
  (360p/480p/720p HLS, 360p and 720p MP4 downloads, thumbnails, storyboard). The queue starts with
  ``2 x M`` clips waiting, so the workers are never idle.

Jobs per hour count each encode by the share of its run inside the window (a job running across the end is
finished after the load stops, without being counted beyond the window); the queued ones are cancelled at
the end of each window. The CPU seconds each part used in the window (web processes, workers with their
ffmpeg, nginx, SeaweedFS, PostgreSQL's backends of this database, the load clients) and how busy the whole
machine was (other users included) are printed under the table.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
from sqlalchemy import select, text, update  # noqa: E402

from bench.pages import LUA, seed, wait_for, wrk  # noqa: E402
from bench.upload import tus_sendfile_upload  # noqa: E402
from core.models import Job, User, Video  # noqa: E402
from core.platform.db import make_engine  # noqa: E402
from core.testing import free_port, http_sign_in, temporary_database, write_ini  # noqa: E402
from plugins.storage_s3.testing import running_seaweedfs  # noqa: E402
from tests.mediafiles import make_clip  # noqa: E402
from tests.nginx_front import front_nginx  # noqa: E402

ROTATE = """
paths = {%s}
signed = {%s}
cookie = "%s"
counter = 0
request = function()
  counter = counter + 1
  local i = (counter %% #paths) + 1
  if signed[i] then return wrk.format("GET", paths[i], {Cookie = cookie}) end
  return wrk.format("GET", paths[i], {})
end
"""

PASSWORD = "bench password 1"


def rotate_script(folder: Path, name: str, paths: list[tuple[str, bool]], cookie: str) -> Path:
    """A wrk script that turns over ``paths`` (path, signed in?) and reports as bench/pages.py's does."""
    script = folder / f"{name}.lua"
    quoted = ", ".join(f'"{path}"' for path, _ in paths)
    flags = ", ".join("true" if signed else "false" for _, signed in paths)
    script.write_text(ROTATE % (quoted, flags, cookie.replace('"', '\\"')) + LUA)
    return script


# --- CPU accounting, from /proc ------------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of the process and of its children it waited for)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[1]), sum(int(value) for value in fields[11:15]) / ticks


def _all_processes() -> dict[int, tuple[int, float]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            found[int(entry)] = stat
    return found


def cpu_snapshot(groups: dict[str, list[int]]) -> dict[str, dict[int, float]]:
    """For each named group of root pids: every process of their trees and its CPU seconds (children included
    once they were waited for: the sum over a tree at two moments gives what the tree used in between)."""
    processes = _all_processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _cpu) in processes.items():
        children.setdefault(parent, []).append(pid)
    snapshot = {}
    for name, roots in groups.items():
        tree, todo = {}, [pid for pid in roots if pid in processes]
        while todo:
            pid = todo.pop()
            tree[pid] = processes[pid][1]
            todo += children.get(pid, [])
        snapshot[name] = tree
    return snapshot


def cpu_used(before: dict, after: dict) -> dict[str, float]:
    return {name: sum(after[name].values()) - sum(before[name].get(pid, 0.0) for pid in before[name]) for name in after}


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / ticks, sum(values[:8]) / ticks


# --- the layout ----------------------------------------------------------------------------------------


def host_ini(folder: Path, database_url: str, queue_url: str, secret_file: Path, settings: dict) -> Path:
    """An ini of its own for ``folder`` (its var/ and scratch): the shared database, Redis queue and store."""
    folder.mkdir(parents=True, exist_ok=True)
    ini = write_ini(folder, database_url, **settings)
    content = ini.read_text()
    content = content.replace(f"sqlite:///{folder}/var/huey.sqlite", queue_url)
    content = content.replace(f"{folder}/var/session_secret", str(secret_file))
    ini.write_text(content)
    return ini


class Layout:
    def __init__(self, args, folder: Path, database_url: str, store, bucket: str, queue_url: str):
        self.args, self.folder, self.database_url, self.queue_url = args, folder, database_url, queue_url
        self.store, self.bucket = store, bucket
        self.settings = {
            "amphi.worker.embedded": "false",
            "amphi.api.rate_limit": "0",
            "amphi.jobs.per_site": "16",
            **store.settings(bucket),
            **dict(item.split("=", 1) for item in args.set),
        }
        self.secret = folder / "web" / "var" / "session_secret"
        self.web_ini = host_ini(folder / "web", database_url, queue_url, self.secret, self.settings)
        self.port = free_port()
        self.engine = make_engine(database_url)
        self.web: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []

    def amphi(self, ini: Path, *args: str) -> None:
        done = subprocess.run([sys.executable, "-m", "core.cli", "-c", str(ini), *args], capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"amphi {' '.join(args)} failed: {done.stderr[-2000:]}")

    def start(self, web: int, workers: int) -> None:
        log = open(self.folder / f"web-{web}.log", "a")
        self.web = subprocess.Popen(
            [sys.executable, "-m", "core.cli", "-c", str(self.web_ini), "serve", "--port", str(self.port)]
            + ["--workers", str(web), "--threads", str(self.args.threads)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for n in range(workers):
            ini = self.folder / f"worker{n}" / "amphi.ini"
            if not ini.exists():
                ini = host_ini(ini.parent, self.database_url, self.queue_url, self.secret, self.settings)
            self.workers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "core.cli", "-c", str(ini), "worker", "--concurrency", "1"],
                    stdout=open(ini.parent / "worker.log", "a"),
                    stderr=subprocess.STDOUT,
                )
            )
        wait_for(f"http://127.0.0.1:{self.port}/login")

    def stop(self) -> None:
        for process in [*self.workers, self.web]:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.workers, self.web]:
            if process is not None:
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self.web, self.workers = None, []

    def jobs(self, since: datetime | None = None) -> list:
        with self.engine.connect() as db:
            query = select(Job.id, Job.state, Job.started_at, Job.finished_at).where(Job.kind == "encode")
            if since is not None:
                query = query.where((Job.finished_at.is_(None)) | (Job.finished_at >= since))
            rows = db.execute(query).all()
            db.rollback()
        return rows

    def cancel_queued(self) -> None:
        with self.engine.begin() as db:
            db.execute(
                update(Job)
                .where(Job.kind == "encode", Job.state == "queued")
                .values(state="cancelled", error="bench: window over", finished_at=datetime.now(UTC))
            )

    def wait_jobs(self, predicate, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if predicate(self.jobs()):
                return True
            time.sleep(0.3)
        return False


def media_paths(front: str, session: dict, engine, owner: str) -> list[str]:
    """The paths of every HLS segment of ``owner``'s ready videos, signed for ``owner`` (from the video page)."""
    with engine.connect() as db:
        ids = db.scalars(
            select(Video.id)
            .join(User, User.id == Video.owner_id)
            .where(User.username == owner, Video.status == "ready")
        ).all()
    segments = []
    for video_id in ids:
        page = get(front + f"/videos/{video_id}", session).decode()
        master = re.search(r'data-src="([^"]+master\.m3u8)"', page)
        if master is None:
            continue
        master_path = urlsplit(master.group(1).replace("&amp;", "&")).path
        for line in get(front + master_path, session).decode().splitlines():
            if line.endswith(".m3u8") and not line.startswith("#"):
                variant = master_path.rsplit("/", 1)[0] + "/" + line
                for item in get(front + variant, session).decode().splitlines():
                    if item and not item.startswith("#") and item.endswith((".m4s", ".ts")):
                        segments.append(variant.rsplit("/", 1)[0] + "/" + item)
    return segments


def get(url: str, headers: dict) -> bytes:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": headers["Cookie"]})) as answer:
        return answer.read()


def upload_clip(front: str, headers: dict, clip: Path) -> float:
    """One tus upload of ``clip`` through nginx (create + one PATCH); its seconds."""
    size = clip.stat().st_size
    return size / tus_sendfile_upload(front, headers, clip, size, size)


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def share_in_window(rows, start: datetime, end: datetime) -> tuple[float, list[float]]:
    """Encodes done in [start, end], each counted by the share of its run inside; and the durations of those."""
    done, durations = 0.0, []
    for row in rows:
        if row.state != "done" or row.started_at is None or row.finished_at is None:
            continue
        began, ended = aware(row.started_at), aware(row.finished_at)
        inside = (min(ended, end) - max(began, start)).total_seconds()
        length = (ended - began).total_seconds()
        if inside > 0 and length > 0:
            done += inside / length
            durations.append(length)
    return done, durations


def measure(layout: Layout, front: str, web: int, workers: int, prof: dict, pages: Path, clip: Path) -> dict:
    args = layout.args
    layout.start(web, workers)
    media_script = rotate_script(
        layout.folder, "media", [(p, True) for p in media_paths(front, prof, layout.engine, "prof")], prof["Cookie"]
    )
    for _ in range(2 * workers):  # a queue that keeps every worker busy from the start
        upload_clip(front, prof, clip)
    layout.wait_jobs(lambda rows: sum(r.state == "running" for r in rows) >= workers, 120)
    wrk(front + "/", 4, 2, pages)  # warm the caches and the templates of every process
    wrk(front + "/", 4, 2, media_script)

    results: dict = {}
    uploads: list[float] = []
    stop = threading.Event()

    def load(name: str, connections: int, script: Path) -> None:
        results[name] = wrk(front + "/", connections, args.seconds, script)

    def uploader() -> None:
        while not stop.is_set():
            began = time.monotonic()
            uploads.append(upload_clip(front, prof, clip))
            stop.wait(max(0.0, args.upload_every - (time.monotonic() - began)))

    groups = {
        "web": [layout.web.pid],
        "workers": [w.pid for w in layout.workers],
        "nginx": [layout.nginx_pid],
        "store": [layout.weed_pid],
    }
    with layout.engine.connect() as db:
        name = db.scalar(text("SELECT current_database()"))
    groups["postgres"] = pg_backends(layout.engine, name)
    threads = [
        threading.Thread(target=load, args=("pages", args.page_connections, pages)),
        threading.Thread(target=load, args=("media", args.media_connections, media_script)),
        threading.Thread(target=uploader),
    ]
    start = datetime.now(UTC)
    machine_before, cpu_before, clients_before = machine_cpu(), cpu_snapshot(groups), _stat(os.getpid())[1]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads[:2]:
        thread.join()
    stop.set()
    groups["postgres"] = sorted(set(groups["postgres"]) | set(pg_backends(layout.engine, name)))
    cpu_after, machine_after = cpu_snapshot(groups), machine_cpu()
    clients_after = _stat(os.getpid())[1]  # this process (the uploads) and the wrk runs it waited for
    end = datetime.now(UTC)
    elapsed = time.monotonic() - began
    threads[2].join()
    queued = sum(r.state == "queued" for r in layout.jobs())
    layout.cancel_queued()
    finished = layout.wait_jobs(lambda rows: not any(r.state == "running" for r in rows), args.drain)
    jobs, durations = share_in_window(layout.jobs(since=start), start, end)
    layout.stop()
    redis.Redis.from_url(layout.queue_url).flushdb()  # the cancelled jobs' messages: this database is ours
    cpu = cpu_used(cpu_before, cpu_after)
    cpu["clients"] = clients_after - clients_before
    busy = machine_after[0] - machine_before[0]
    total = machine_after[1] - machine_before[1]
    return {
        "web": web,
        "workers": workers,
        "pages": results["pages"],
        "media": results["media"],
        "uploads": uploads,
        "jobs": jobs,
        "job_seconds": durations,
        "queued_at_end": queued,
        "drained": finished,
        "seconds": elapsed,
        "cpu": cpu,
        "busy": busy,
        "capacity": total,
    }


def pg_backends(engine, database: str) -> list[int]:
    with engine.connect() as db:
        pids = db.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = :name"), {"name": database}).all()
        db.rollback()
    return list(pids)


def stored_bytes(layout: Layout) -> dict[str, int]:
    """Bytes in the bucket: the originals (``source``) and the encodes' outputs."""
    totals = {"source": 0, "outputs": 0}
    for page in layout.store.client().get_paginator("list_objects_v2").paginate(Bucket=layout.bucket):
        for item in page.get("Contents", ()):
            if "/outputs/" in item["Key"]:
                totals["outputs"] += item["Size"]
            elif item["Key"].endswith("/source"):
                totals["source"] += item["Size"]
    return totals


def prepare(layout: Layout, front: str, clip: Path) -> tuple[dict, Path, float, dict]:
    """Users, the catalogue, ``--media-videos`` encoded clips; returns prof's headers, the pages' script, the
    mean size of the segments and the bytes stored."""
    args = layout.args
    layout.amphi(layout.web_ini, "init", "--admin-password", PASSWORD)
    layout.amphi(layout.web_ini, "user", "add", "default", "prof", "--role", "staff", "--password", PASSWORD)
    layout.amphi(layout.web_ini, "user", "add", "default", "student", "--password", PASSWORD)
    target = seed(layout.database_url, args.videos, random.Random(args.videos))
    layout.start(1, 2)
    try:
        app = f"http://127.0.0.1:{layout.port}"  # behind nginx the redirects name no port: sign in on the app
        prof = http_sign_in(app, "prof", PASSWORD)  # (a cookie of 127.0.0.1 holds for every port)
        student = http_sign_in(app, "student", PASSWORD)
        for _ in range(args.media_videos):
            upload_clip(front, prof, clip)
        if not layout.wait_jobs(lambda rows: rows and all(r.state in ("done", "failed") for r in rows), 600):
            raise SystemExit("the media videos were not encoded in 10 minutes")
        if not all(r.state == "done" for r in layout.jobs()):
            raise SystemExit(f"an encode failed: see {layout.folder}/worker*/worker.log")
        segments = [len(get(front + path, prof)) for path in media_paths(front, prof, layout.engine, "prof")]
        if not segments:
            raise SystemExit("no HLS segment found on the encoded videos' pages")
    finally:
        layout.stop()
    anonymous = ["/", "/videos", f"/videos/{target}", "/channels/channel-3"]
    pages = [(path, False) for path in anonymous] + [("/", True), (f"/videos/{target}", True)]
    script = rotate_script(layout.folder, "pages", pages, student["Cookie"])
    return prof, script, statistics.mean(segments), stored_bytes(layout)


def report(rows: list[dict], args, clip: Path, segment_bytes: float, stored: dict) -> None:
    mb = 1024 * 1024
    print(
        f"\n{os.cpu_count()} CPUs shared by everything (and by other users); {args.seconds} s per combination; "
        f"catalogue of {args.videos} videos on PostgreSQL; amphi serve --threads {args.threads}; "
        f"workers --concurrency 1 each"
    )
    print(
        f"pages: wrk {args.page_connections} connections (home, list, video, channel anonymous; home, video signed in); "
        f"media: wrk {args.media_connections} connections on HLS segments (mean {segment_bytes / 1024:.0f} KiB) "
        f"with the access check; uploads: one every {args.upload_every} s"
    )
    print(
        f"encodes: {args.clip_seconds} s clips {args.clip_size} {args.clip_fps} fps H.264+AAC "
        f"({clip.stat().st_size / mb:.1f} MiB) -> 360p/480p/720p HLS + MP4 downloads, production settings"
    )
    seconds = args.media_videos * args.clip_seconds
    print(
        f"stored per minute of video: originals {stored['source'] / seconds * 60 / mb:.1f} MiB, "
        f"outputs {stored['outputs'] / seconds * 60 / mb:.1f} MiB (the {args.media_videos} encoded videos)\n"
    )
    print(
        f"{'web':>3s} {'wkr':>3s} | {'pages/s':>7s} {'p95 ms':>7s} | {'media/s':>7s} {'p95 ms':>7s} {'MiB/s':>6s} | "
        f"{'uploads':>7s} {'p95 s':>5s} | {'jobs/h':>6s} {'job s':>5s} {'x rt':>5s} {'queue':>5s}"
    )
    for row in rows:
        pages, media, uploads = row["pages"], row["media"], row["uploads"]
        job_s = statistics.median(row["job_seconds"]) if row["job_seconds"] else float("nan")
        upload_p95 = sorted(uploads)[max(0, int(len(uploads) * 0.95) - 1)] if uploads else float("nan")
        per_hour = row["jobs"] / row["seconds"] * 3600
        note = "" if row["drained"] else " (a job outlived --drain)"
        print(
            f"{row['web']:3d} {row['workers']:3d} | {pages['rps']:7.1f} {pages['p95']:7.1f} | "
            f"{media['rps']:7.1f} {media['p95']:7.1f} {media['rps'] * segment_bytes / mb:6.1f} | "
            f"{len(uploads):7d} {upload_p95:5.2f} | {per_hour:6.0f} {job_s:5.1f} "
            f"{args.clip_seconds / job_s:5.2f} {row['queued_at_end']:5d}{note}"
            + (f"  errors: pages {pages['bad']}, media {media['bad']}" if pages["bad"] or media["bad"] else "")
        )
    print(
        "\njob s: median wall time of one encode under the load; x rt: clip seconds per second of one encode; "
        "queue: encodes still waiting at the end (> 0: the workers never waited)"
    )
    print("\nCPU seconds used in the window, by part (and the whole machine's busy share, other users included):")
    names = ("web", "workers", "nginx", "store", "postgres", "clients")
    print(f"{'web':>3s} {'wkr':>3s} | " + " ".join(f"{n:>8s}" for n in names) + f" | {'machine':>8s} {'busy':>5s}")
    for row in rows:
        cpu = row["cpu"]
        print(
            f"{row['web']:3d} {row['workers']:3d} | "
            + " ".join(f"{cpu[n]:8.1f}" for n in names)
            + f" | {row['busy']:8.1f} {row['busy'] / row['capacity']:5.0%}"
        )
    print("\nper request or job, from those (CPU ms per page or media request counts the web processes' whole time):")
    for row in rows:
        cpu, served = row["cpu"], (row["pages"]["rps"] + row["media"]["rps"]) * row["seconds"]
        video = row["jobs"] * args.clip_seconds
        print(
            f"  web {row['web']}, workers {row['workers']}: web {cpu['web'] / served * 1000:.1f} ms/request, "
            f"nginx {cpu['nginx'] / served * 1000:.2f} ms/request, store {cpu['store'] / max(1, row['media']['rps'] * row['seconds']) * 1000:.2f} ms/segment, "
            f"workers {cpu['workers'] / video if video else float('nan'):.2f} CPU s per second of video encoded"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30, help="load per combination (default 30)")
    parser.add_argument("--web", default="1,2", help="amphi serve --workers values to compare (default 1,2)")
    parser.add_argument("--workers", default="1,2", help="amphi worker processes to compare (default 1,2)")
    parser.add_argument("--threads", type=int, default=2, help="amphi serve --threads (default 2, as in systemd)")
    parser.add_argument("--videos", type=int, default=1000, help="catalogue size (default 1000)")
    parser.add_argument("--media-videos", type=int, default=3, help="encoded videos whose segments are requested")
    parser.add_argument("--page-connections", type=int, default=8, help="wrk connections on pages (default 8)")
    parser.add_argument("--media-connections", type=int, default=8, help="wrk connections on media (default 8)")
    parser.add_argument("--upload-every", type=float, default=3.0, help="seconds between uploads (default 3)")
    parser.add_argument("--clip-seconds", type=float, default=8, help="length of the uploaded clips (default 8)")
    parser.add_argument("--clip-size", default="1280x720", help="their frame size (default 1280x720)")
    parser.add_argument("--clip-fps", type=float, default=25, help="their frame rate (default 25)")
    parser.add_argument("--drain", type=float, default=180, help="seconds to let running encodes end (default 180)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11", help="an empty Redis database (default /11)")
    parser.add_argument("--set", action="append", default=[], help="another setting, KEY=VALUE (repeatable)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt install wrk)")
    queue = redis.Redis.from_url(args.redis)
    if queue.dbsize():
        raise SystemExit(f"{args.redis} holds keys: give this benchmark an empty Redis database (--redis)")
    rows = []
    with tempfile.TemporaryDirectory(prefix="amphi-scale-bench-") as name, ExitStack() as stack:
        folder = Path(name)
        stack.callback(queue.flushdb)
        store = stack.enter_context(running_seaweedfs(folder / "seaweedfs"))
        url = stack.enter_context(temporary_database(folder, "postgresql"))
        url = url.replace("postgresql://", "postgresql+psycopg://")
        layout = Layout(args, folder, url, store, store.new_bucket(), args.redis)
        stack.callback(layout.stop)
        stack.callback(layout.engine.dispose)
        front = stack.enter_context(
            front_nginx(folder / "nginx", app=f"127.0.0.1:{layout.port}", media=str(folder / "web" / "var" / "media"))
        )
        layout.nginx_pid = find_pid(f"{folder / 'nginx' / 'nginx.conf'}")
        layout.weed_pid = find_pid(f"-dir={folder / 'seaweedfs' / 'data'}")
        clip = make_clip(folder, "clip.mp4", seconds=args.clip_seconds, size=args.clip_size, fps=args.clip_fps)
        started = time.monotonic()
        prof, pages, segment_bytes, stored = prepare(layout, front, clip)
        print(
            f"prepared (users, {args.videos} videos, {args.media_videos} encoded) in {time.monotonic() - started:.0f} s",
            flush=True,
        )
        for web, workers in itertools.product(
            (int(w) for w in args.web.split(",")), (int(m) for m in args.workers.split(","))
        ):
            rows.append(measure(layout, front, web, workers, prof, pages, clip))
            print(f"  web {web}, workers {workers}: done", flush=True)
        report(rows, args, clip, segment_bytes, stored)


def find_pid(argument: str) -> int:
    """The pid of the process started with ``argument`` on its command line (nginx's, SeaweedFS's)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                command = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if argument.encode() in command:
                return int(entry)
    raise SystemExit(f"no process started with {argument}")


if __name__ == "__main__":
    main()

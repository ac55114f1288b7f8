"""Live viewer beacons: can one `amphi serve` count 1,500 viewers (each player posts every 20 s)?

    .venv/bin/python bench/viewer_beacons.py                    # SQLite, memory store, then Redis store
    .venv/bin/python bench/viewer_beacons.py --seconds 10 --stores memory

Starts `amphi serve` (one waitress process, the embedded default) on a fresh database with one event
on air, then measures with a Python client in another process (keep-alive connections, random viewer ids
among 1,500): (1) the paced load of 1,500 viewers, 75 beacons/s, its p50/p95 latency and the server's CPU
share; (2) the most beacons/s 8 connections get, i.e. how many viewers one process could count. On this
shared 2-core machine the client takes CPU from the server: the ceiling is a lower bound.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from core.models import Site, utcnow  # noqa: E402
from core.platform.db import make_engine  # noqa: E402
from core.testing import free_port, run_amphi, serving, temporary_database, write_ini  # noqa: E402
from plugins.live.models import LiveEvent  # noqa: E402

VIEWERS = 1500
BEACON_SECONDS = 20


def on_air_event(url: str) -> int:
    engine = make_engine(url)
    with engine.begin() as db:
        site_id = db.scalar(select(Site.id).where(Site.is_default.is_(True)))
        now = utcnow()
        row = db.execute(
            insert(LiveEvent).values(
                site_id=site_id,
                title="Bench",
                description="",
                access="public",
                password_hash="",
                state="on_air",
                starts_at=now,
                ends_at=now + timedelta(hours=2),
                key_generation=1,
                dvr=True,
                chat_anonymous_read=True,
                peak_viewers=0,
                replay_state="",
                replay_error="",
                created_at=now,
                updated_at=now,
            )  # fmt: skip
        )
        return row.inserted_primary_key[0]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pid(port: int) -> int:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"--port\0{port}" in (entry / "cmdline").read_text():
                    return int(entry.name)
            except OSError:
                continue
    raise LookupError("no server process")


def beacon_pass(port: int, event_id: int) -> str:
    """The pass the event page gives its viewers (a beacon without it is refused)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", f"/live/events/{event_id}")
    page = connection.getresponse().read().decode()
    return re.search(r'data-beacon-pass="([^"]+)"', page).group(1)


def beacons(port: int, event_id: int, until: float, rate: float | None, latencies: list, errors: list) -> None:
    """Post beacons on one keep-alive connection until ``until`` (``rate`` per second, or flat out)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    rng = random.Random()
    pass_ = beacon_pass(port, event_id)
    next_at = time.monotonic()
    while time.monotonic() < until:
        if rate:
            next_at += 1 / rate
            time.sleep(max(0.0, next_at - time.monotonic()))
        body = f"viewer=viewer-{rng.randrange(VIEWERS):06d}&pass={pass_}"
        started = time.perf_counter()
        try:
            connection.request("POST", f"/live/events/{event_id}/beacon", body,
                               {"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
            answer = connection.getresponse()
            answer.read()
            (latencies if answer.status == 204 else errors).append(time.perf_counter() - started)
        except OSError:
            errors.append(0)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)


def run(port: int, event_id: int, seconds: int, connections: int, total_rate: float | None) -> dict:
    latencies: list = []
    errors: list = []
    pid = server_pid(port)
    before, start = cpu_seconds(pid), time.monotonic()
    rate = total_rate / connections if total_rate else None
    threads = [
        threading.Thread(target=beacons, args=(port, event_id, start + seconds, rate, latencies, errors))
        for _ in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - start
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 2 else [0.0] * 99
    return {
        "per_second": len(latencies) / wall,
        "p50_ms": quantiles[49] * 1000,
        "p95_ms": quantiles[94] * 1000,
        "errors": len(errors),
        "server_cpu": (cpu_seconds(pid) - before) / wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--stores", default="memory,redis")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    for store in args.stores.split(","):
        with tempfile.TemporaryDirectory() as folder, temporary_database(Path(folder), "sqlite") as url:
            extra = {"amphi.live.viewer_store": args.redis if store == "redis" else ""}
            ini = write_ini(Path(folder), url, **extra)
            run_amphi(ini, "init", "--admin-password", "bench admin password")
            event_id = on_air_event(url)
            port = free_port()
            with serving(ini, Path(folder), port=port):
                paced = run(port, event_id, args.seconds, 8, VIEWERS / BEACON_SECONDS)
                flat = run(port, event_id, args.seconds, 8, None)
            print(
                f"{store:6}: 1,500 viewers = {paced['per_second']:.0f} beacons/s, p50 {paced['p50_ms']:.1f} ms, "
                f"p95 {paced['p95_ms']:.1f} ms, server CPU {paced['server_cpu'] * 100:.0f} % of one core, "
                f"errors {paced['errors']}; flat out {flat['per_second']:.0f} beacons/s "
                f"(p95 {flat['p95_ms']:.1f} ms) = {flat['per_second'] * BEACON_SECONDS:,.0f} viewers per process"
            )


if __name__ == "__main__":
    main()

"""Many live viewers through nginx with secure_link enforced: segment latency, CPU shares, where it breaks.

A writer publishes a live stream as the packager does (a segment every ``--segment`` seconds, a
sliding playlist of ``--window`` segments: Amphi's defaults are 1 s and 120), with segments of
``--kbps`` (the 360p rung: 1,000 kbit/s). Each simulated viewer fetches the signed master playlist
once, then the media playlist every segment and each new segment, as hls.js does, over keep-alive
connections (aiohttp). Every request goes through nginx's secure_link check; none reaches the
application. Run:

    .venv/bin/python bench/live_viewers.py [--viewers 250 500 1000 1500] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import tempfile
import threading
import time
from pathlib import Path

import aiohttp

from plugins.live import segments
from plugins.live.testing import running_nginx

SECRET = "bench link secret"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Writer(threading.Thread):
    """Writes a segment every ``segment`` seconds and the sliding playlist, as ffmpeg's hls muxer does."""

    def __init__(self, folder: Path, segment: float, window: int, size: int):
        super().__init__(daemon=True)
        self.folder, self.segment, self.window, self.body = folder, segment, window, os.urandom(size)
        self.number, self.stopped = 0, threading.Event()
        (folder / "360p").mkdir(parents=True)
        (folder / "master.m3u8").write_text(
            '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1100000,RESOLUTION=640x360,CODECS="avc1.640028"\n360p/index.m3u8\n'
        )
        self.write()

    def write(self) -> None:
        (self.folder / "360p" / f"seg_{self.number:05d}.ts").write_bytes(self.body)
        first = max(0, self.number - self.window + 1)
        lines = ["#EXTM3U", "#EXT-X-VERSION:6", f"#EXT-X-TARGETDURATION:{int(self.segment)}",
                 f"#EXT-X-MEDIA-SEQUENCE:{first}"]  # fmt: skip
        for n in range(first, self.number + 1):
            lines += [f"#EXTINF:{self.segment:.6f},", f"seg_{n:05d}.ts"]
        temporary = self.folder / "360p" / "index.m3u8.tmp"
        temporary.write_text("\n".join(lines) + "\n")
        temporary.replace(self.folder / "360p" / "index.m3u8")
        old = self.folder / "360p" / f"seg_{first - 3:05d}.ts"
        if old.exists():
            old.unlink()
        self.number += 1

    def run(self) -> None:
        start = time.monotonic()
        while not self.stopped.wait(max(0.0, start + self.number * self.segment - time.monotonic())):
            self.write()


async def viewer(session, base: str, segment: float, until: float, stats: dict) -> None:
    await asyncio.sleep(random.random() * segment)
    try:
        async with session.get(base + "master.m3u8") as response:
            await response.read()
        last = None
        while time.monotonic() < until:
            began = time.monotonic()
            async with session.get(base + "360p/index.m3u8") as response:
                playlist = await response.text()
                stats["statuses"][response.status] = stats["statuses"].get(response.status, 0) + 1
            stats["playlist"].append(time.monotonic() - began)
            newest = [line for line in playlist.splitlines() if line.endswith(".ts")][-1]
            if newest != last:
                last = newest
                began = time.monotonic()
                async with session.get(base + "360p/" + newest) as response:
                    await response.read()
                    stats["statuses"][response.status] = stats["statuses"].get(response.status, 0) + 1
                stats["segment"].append(time.monotonic() - began)
            await asyncio.sleep(max(0.0, segment - (time.monotonic() - began)))
    except (TimeoutError, aiohttp.ClientError) as error:
        stats["errors"].append(type(error).__name__)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")


async def viewers(base: str, count: int, seconds: float, segment: float) -> dict:
    stats: dict = {"playlist": [], "segment": [], "errors": [], "statuses": {}}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
        until = time.monotonic() + seconds
        await asyncio.gather(*(viewer(session, base, segment, until, stats) for _ in range(count)))
    stats["cpu"] = time.process_time()
    return stats


def client_process(arguments: tuple) -> dict:
    return asyncio.run(viewers(*arguments))


def run_level(base: str, count: int, seconds: float, segment: float, nginx_pid: int, processes: int) -> None:
    """``count`` viewers spread over ``processes`` client processes (one Python process cannot play 1,500)."""
    shares = [count // processes + (1 if i < count % processes else 0) for i in range(processes)]
    nginx_before, wall = cpu_seconds(nginx_pid), time.monotonic()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        parts = pool.map(client_process, [(base, share, seconds, segment) for share in shares])
    wall = time.monotonic() - wall
    nginx_cpu = (cpu_seconds(nginx_pid) - nginx_before) / wall
    client_cpu = sum(part["cpu"] for part in parts) / wall
    stats: dict = {"playlist": [], "segment": [], "errors": [], "statuses": {}}
    for part in parts:
        for key in ("playlist", "segment", "errors"):
            stats[key] += part[key]
        for status, number in part["statuses"].items():
            stats["statuses"][status] = stats["statuses"].get(status, 0) + number
    expected = count * seconds / segment
    print(
        f"{count:5d} viewers: {len(stats['segment']):6d} segments ({len(stats['segment']) / expected:.0%} of"
        f" what players need), segment p50 {percentile(stats['segment'], 0.5) * 1000:.0f} ms"
        f" p95 {percentile(stats['segment'], 0.95) * 1000:.0f} ms, playlist p95"
        f" {percentile(stats['playlist'], 0.95) * 1000:.0f} ms; nginx CPU {nginx_cpu:.0%} of a core,"
        f" viewers' clients {client_cpu:.0%}; statuses {stats['statuses']}; errors {len(stats['errors'])};"
        f" load {os.getloadavg()[0]:.1f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--viewers", type=int, nargs="+", default=[250, 500, 1000, 1500])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--segment", type=float, default=1.0)
    parser.add_argument("--window", type=int, default=120)
    parser.add_argument("--kbps", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=4, help="client processes (default 4)")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        running_nginx(folder, app_url="http://127.0.0.1:9", callback_secret="s", link_secret=SECRET) as nginx,
    ):
        writer = Writer(Path(nginx.hls_folder) / "e1", args.segment, args.window, args.kbps * 125 * int(args.segment))
        writer.start()
        pid = int((Path(folder) / "nginx.pid").read_text())
        base = nginx.http_url + segments.signed_path(SECRET, 1, int(time.time()) + 3600).rsplit("/", 1)[0] + "/"
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; no request reaches Amphi")
        for count in args.viewers:
            run_level(base, count, args.seconds, args.segment, pid, args.processes)
        writer.stopped.set()


if __name__ == "__main__":
    main()

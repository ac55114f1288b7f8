"""Chat fan-out benchmark: N EventSource subscribers on one room, messages posted through the application.

For each hub (nginx + Nchan on Redis, the production path; the embedded hub, the default) it starts
a fresh Amphi (``amphi serve``, SQLite), opens N subscribers over loopback from one asyncio client
process (raw sockets, as light as a client can be), posts M messages through the application's API
(each stored, committed, then published to the hub), and reports:

* fan-out latency: from the start of the POST to each subscriber's receipt, p50 / p95 / max over
  every (subscriber, message) pair, and the messages lost;
* CPU seconds and share of the wall time of nginx, Redis, the application (web process + embedded
  hub) and the client itself, read from /proc;
* with ``--ramp``, the same at growing N, to find where it breaks (p95 over 1 s, or losses).

    .venv/bin/python bench/chat_fanout.py --subscribers 1500 --messages 20
    .venv/bin/python bench/chat_fanout.py --hub embedded --ramp 500,1500,3000,5000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from core.testing import free_port, serving  # noqa: E402
from plugins.chat.testing import nchan_nodes, wait_for_hub  # noqa: E402
from tests.chatting import chat_installation, http_session  # noqa: E402

MESSAGE_ID = re.compile(rb'"type":"message","id":(\d+)')
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its reaped children."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(f) for f in fields[11:15]) / TICKS
    except (OSError, IndexError):
        return 0.0


def pids_named(name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def descendants(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout.split()
    children = [int(p) for p in out]
    return children + [g for c in children for g in descendants(c)]


class Subscriber:
    def __init__(self):
        self.received: dict[int, float] = {}
        self.failed = ""

    async def run(self, host: str, port: int, path: str, ready: asyncio.Event, counter: list[int], total: int):
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            if b" 200 " not in head.split(b"\r\n", 1)[0]:
                self.failed = head.split(b"\r\n", 1)[0].decode()
                return
        except (OSError, asyncio.IncompleteReadError) as exc:
            self.failed = type(exc).__name__
            return
        finally:
            counter[0] += 1
            if counter[0] == total:
                ready.set()
        tail = b""
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    return
                now = time.monotonic()
                for match in MESSAGE_ID.finditer(tail + data):
                    self.received.setdefault(int(match.group(1)), now)
                tail = data[-64:]
        except (OSError, asyncio.CancelledError):
            return
        finally:
            writer.close()


async def fan_out(subscribe_url: str, subscribers: int, post, messages: int, interval: float):
    from urllib.parse import urlsplit

    parts = urlsplit(subscribe_url)
    path = f"{parts.path}?{parts.query}"
    clients = [Subscriber() for _ in range(subscribers)]
    ready, counter = asyncio.Event(), [0]
    tasks = []
    for index, client in enumerate(clients):
        tasks.append(asyncio.create_task(client.run(parts.hostname, parts.port, path, ready, counter, subscribers)))
        if index % 100 == 99:
            await asyncio.sleep(0.05)  # joins in waves, as a lecture hall's do over a few seconds
    await asyncio.wait_for(ready.wait(), timeout=120)
    await asyncio.sleep(1.0)
    sent: dict[int, float] = {}
    for number in range(messages):
        began = time.monotonic()
        message_id = await asyncio.to_thread(post, f"message {number}")
        sent[message_id] = began
        await asyncio.sleep(interval)
    await asyncio.sleep(3.0)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    delays, lost = [], 0
    for client in clients:
        for message_id, began in sent.items():
            if message_id in client.received:
                delays.append(client.received[message_id] - began)
            else:
                lost += 1
    return delays, lost, [c.failed for c in clients if c.failed]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_once(hub: str, made, subscribers: int, messages: int, interval: float) -> dict:
    app_port = free_port()
    extra = {"amphi.chat.per_minute": "0"}
    nodes = nchan_nodes(made.folder / f"nginx-{subscribers}", app_port, count=1, first=0) if hub == "nchan" else None
    ports = nodes.__enter__() if nodes else []
    try:
        if hub == "nchan":
            extra.update(
                {
                    "amphi.chat.hub": "nchan",
                    "amphi.chat.publish_url": f"http://127.0.0.1:{ports[0]}",
                    "amphi.chat.subscribe_url": f"http://127.0.0.1:{ports[0]}",
                }
            )
        ini = made.ini(**extra)
        with serving(ini, made.folder, port=app_port) as base:
            if hub == "embedded":
                wait_for_hub(made.hub_port)
            alice = http_session(base, "alice")
            room = made.room
            state = alice.get(f"{base}/chat/rooms/{room}").json()

            def post(text: str) -> int:
                answer = alice.post(
                    f"{base}/chat/rooms/{room}/messages",
                    json={"text": text},
                    headers={"X-CSRF-Token": state["csrf_token"]},
                )
                answer.raise_for_status()
                return answer.json()["message"]["id"]

            server_pid = next(
                int(p)
                for p in subprocess.run(
                    ["lsof", "-t", f"-iTCP:{app_port}", "-sTCP:LISTEN"], capture_output=True, text=True
                ).stdout.split()
            )
            watched = {
                "nginx": pids_named("nginx") if hub == "nchan" else [],
                "redis": pids_named("redis-server") if hub == "nchan" else [],
                "app (web + hub)": [server_pid, *descendants(server_pid)],
                "client": [os.getpid()],
            }
            before = {k: sum(cpu_seconds(p) for p in v) for k, v in watched.items()}
            began = time.monotonic()
            delays, lost, failed = asyncio.run(
                fan_out(state["subscribe"]["url"], subscribers, post, messages, interval)
            )
            wall = time.monotonic() - began
            cpu = {k: sum(cpu_seconds(p) for p in v) - before[k] for k, v in watched.items()}
    finally:
        if nodes:
            nodes.__exit__(None, None, None)
    return {"delays": delays, "lost": lost, "failed": failed, "wall": wall, "cpu": cpu}


def report(hub: str, subscribers: int, messages: int, result: dict) -> None:
    delays = result["delays"]
    print(f"\n{hub}: {subscribers} subscribers, {messages} messages, {result['wall']:.1f} s")
    print(
        f"  fan-out p50 {percentile(delays, 0.5) * 1000:.0f} ms, p95 {percentile(delays, 0.95) * 1000:.0f} ms, "
        f"max {max(delays, default=float('nan')) * 1000:.0f} ms; deliveries {len(delays)}, lost {result['lost']}, "
        f"subscriptions refused or failed {len(result['failed'])} {sorted(set(result['failed']))[:3]}"
    )
    print(
        "  CPU: "
        + ", ".join(f"{k} {v:.1f} s ({v / result['wall'] * 100:.0f} % of one core)" for k, v in result["cpu"].items())
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hub", choices=["nchan", "embedded", "both"], default="both")
    parser.add_argument("--subscribers", type=int, default=1500)
    parser.add_argument("--ramp", help="comma-separated subscriber counts (instead of --subscribers)")
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between two messages")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    counts = [int(n) for n in args.ramp.split(",")] if args.ramp else [args.subscribers]
    print(f"load average before: {os.getloadavg()}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder, chat_installation(Path(folder)) as made:
        for hub in ["nchan", "embedded"] if args.hub == "both" else [args.hub]:
            for count in counts:
                result = run_once(hub, made, count, args.messages, args.interval)
                report(hub, count, args.messages, result)
                print(f"  load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()

"""Upload benchmark: a tus upload over loopback to a real `amphi serve`, against raw loopback copies.

    .venv/bin/python bench/upload.py [--size 2G] [--chunk 64M] [--repeat 3]

Prints the throughput of four copies of the same bytes into a file, as the
medians of ``--repeat`` alternating runs (dirty pages flushed before each):
a raw loopback copy (``sendfile`` into a plain socket, ``recv_into`` and write
at the other end: the ceiling), the same bytes PUT in ``--chunk`` requests to a
tiny WSGI sink under waitress configured as ``amphi serve`` configures it (the
HTTP stack without Amphi), and the tus upload (tuspy client, real Amphi server
on the embedded default), and the same tus requests sent with sendfile(2) like
the raw copy's client; then the Amphi server's peak resident memory
(VmHWM) at start, warm, and after the uploads.

    .venv/bin/python bench/upload.py --through nginx --storage s3 [--size 1G] [--chunk 64M] [--repeat 3]

The production layout instead: nginx running etc/nginx/amphi.conf in front of ``amphi serve``, whose storage
is ``storage_s3`` on a SeaweedFS server (``weed mini``, as in the tests); the tus upload (sendfile client)
through nginx against the raw loopback copy, every byte on to the store (the parts of one multipart upload
as they arrive, completed with the last byte, then copied by the store to the video's key: inside the timing),
and the Amphi server's peak RSS.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.testing import free_port, http_sign_in, write_ini  # noqa: E402

UNITS = {"K": 1024, "M": 1024**2, "G": 1024**3}


def parse_size(text: str) -> int:
    return int(text[:-1]) * UNITS[text[-1].upper()] if text[-1].upper() in UNITS else int(text)


def make_file(path: Path, size: int) -> None:
    block = os.urandom(4 * 1024 * 1024)
    with open(path, "wb") as handle:
        for _ in range(size // len(block)):
            handle.write(block)
        handle.write(block[: size % len(block)])


def raw_copy(path: Path, size: int) -> float:
    """The same bytes over a plain loopback socket into a file: sendfile(2) out, 1 MiB recv_into and write in."""
    listener = socket.create_server(("127.0.0.1", 0))
    target = path.parent / "raw-copy.bin"

    def sink():
        connection, _address = listener.accept()
        buffer = memoryview(bytearray(1024 * 1024))
        with connection, open(target, "wb") as handle:
            while received := connection.recv_into(buffer):
                handle.write(buffer[:received])
            connection.sendall(b"ok")

    thread = threading.Thread(target=sink)
    thread.start()
    started = time.perf_counter()
    with socket.create_connection(listener.getsockname()) as client, open(path, "rb") as handle:
        client.sendfile(handle)
        client.shutdown(socket.SHUT_WR)
        assert client.recv(2) == b"ok"
    elapsed = time.perf_counter() - started
    thread.join()
    listener.close()
    assert target.stat().st_size == size
    target.unlink()
    return size / elapsed


SINK = """
import sys, waitress

def sink(environ, start_response):
    remaining = int(environ.get("CONTENT_LENGTH") or 0)
    with open(sys.argv[2], "ab") as handle:
        while remaining:
            chunk = environ["wsgi.input"].read(min(1 << 20, remaining))
            handle.write(chunk)
            remaining -= len(chunk)
    start_response("204 No Content", [])
    return []

waitress.serve(sink, host="127.0.0.1", port=int(sys.argv[1]), recv_bytes=1 << 20, threads=4, _quiet=True)
"""


def start_sink(target: Path) -> tuple[subprocess.Popen, str]:
    """A tiny WSGI app under waitress (as ``amphi serve`` sets it up) that appends each request body to a file."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SINK, str(port), str(target)])
    wait_for(f"http://127.0.0.1:{port}/")
    return server, f"http://127.0.0.1:{port}/"


def wait_for(url: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def http_sink(url: str, path: Path, size: int, chunk: int) -> float:
    """The same bytes PUT to the sink in requests of ``chunk`` bytes, one after the other, as tus sends them."""
    import requests

    session = requests.Session()
    started = time.perf_counter()
    with open(path, "rb") as handle:
        while data := handle.read(chunk):
            session.put(url, data=data).raise_for_status()
    return size / (time.perf_counter() - started)


def vm_hwm(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024


def start_amphi(folder: Path, workers: int | None = None, **settings: str) -> tuple[subprocess.Popen, str]:
    """``amphi serve`` on the embedded default (plus ``settings``); ``workers=1``: the process measured is the
    one that serves (by default ``amphi serve`` forks one per core and its pid is their supervisor's)."""
    settings = {"amphi.uploads.max_size": str(64 * 1024**3), **settings}
    ini = write_ini(folder, f"sqlite:///{folder}/var/amphi.sqlite", **settings)
    amphi = [sys.executable, "-m", "core.cli", "-c", str(ini)]
    subprocess.run(amphi + ["init", "--admin-password", "bench password 1"], check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        amphi + ["serve", "--port", str(port), "--threads", "4"] + (["--workers", str(workers)] if workers else []),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/login")
    return server, base


def tus_upload(base: str, headers: dict, path: Path, size: int, chunk: int) -> float:
    from tusclient import client

    uploader = client.TusClient(base + "/api/uploads/", headers=headers).uploader(
        str(path), chunk_size=chunk, metadata={"filename": "bench.bin"}
    )
    started = time.perf_counter()
    uploader.upload()
    elapsed = time.perf_counter() - started
    assert uploader.offset == size
    return size / elapsed


def tus_sendfile_upload(base: str, headers: dict, path: Path, size: int, chunk: int) -> float:
    """The same tus requests with each chunk's body sent by sendfile(2), as the raw copy's client sends.

    tuspy reads every chunk into memory and writes it to the socket: two more copies of
    each byte on the client, on the same two cores as the server. This client spends what
    the raw copy's client spends, so the difference left is the server's.
    """
    import http.client
    from urllib.parse import urlsplit

    import requests

    created = requests.post(
        base + "/api/uploads/",
        headers={
            **headers,
            "Tus-Resumable": "1.0.0",
            "Upload-Length": str(size),
            "Upload-Metadata": "filename YmVuY2guYmlu",
        },
    )
    created.raise_for_status()
    target = urlsplit(created.headers["Location"])  # its path, on ``base`` (behind nginx the Host has no port)
    server = urlsplit(base)
    connection = http.client.HTTPConnection(server.hostname, server.port)
    started = time.perf_counter()
    offset = 0
    with open(path, "rb") as handle:
        while offset < size:
            count = min(chunk, size - offset)
            connection.putrequest("PATCH", target.path)
            for name, value in {
                **headers,
                "Tus-Resumable": "1.0.0",
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
                "Content-Length": str(count),
            }.items():
                connection.putheader(name, value)
            connection.endheaders()
            connection.sock.sendfile(handle, offset, count)
            response = connection.getresponse()
            response.read()
            if response.status != 204 and not (response.status == 200 and offset + count == size):
                raise SystemExit(f"PATCH at {offset}: {response.status}")
            offset = int(response.getheader("Upload-Offset"))
    elapsed = time.perf_counter() - started
    connection.close()
    return size / elapsed


def forget_sources(folder: Path) -> None:
    """Remove the uploaded bytes between runs, so every run writes to a comparable page cache."""
    for path in (folder / "var" / "media").rglob("source"):
        path.unlink()


def measure(folder: Path, source: Path, size: int, chunk: int, repeat: int) -> dict:
    """Alternate the three copies (the machine's drift hits all); flush dirty pages before each."""
    figures = {"raw": [], "sink": [], "tus": [], "tus_sendfile": []}
    sink_target = folder / "sink.bin"
    sink, sink_url = start_sink(sink_target)
    server, base = start_amphi(folder)
    try:
        figures["rss_start"] = vm_hwm(server.pid)
        headers = http_sign_in(
            base, "admin", "bench password 1"
        )  # pages rendered once: templates compiled, caches warm
        warm = folder / "warm.bin"
        make_file(warm, 8 * 1024 * 1024)
        tus_upload(base, headers, warm, 8 * 1024 * 1024, chunk)
        figures["rss_before"] = vm_hwm(server.pid)
        for _ in range(repeat):
            os.sync()
            figures["raw"].append(raw_copy(source, size))
            os.sync()
            figures["sink"].append(http_sink(sink_url, source, size, chunk))
            sink_target.unlink()
            os.sync()
            figures["tus"].append(tus_upload(base, headers, source, size, chunk))
            forget_sources(folder)
            os.sync()
            figures["tus_sendfile"].append(tus_sendfile_upload(base, headers, source, size, chunk))
            forget_sources(folder)
        figures["rss_after"] = vm_hwm(server.pid)
    finally:
        for process in (server, sink):
            process.terminate()
            process.wait()
    return figures


def measure_front(folder: Path, source: Path, size: int, chunk: int, repeat: int) -> dict:
    """Raw copies alternating with tus uploads through nginx to amphi serve on storage_s3 (SeaweedFS)."""
    from contextlib import ExitStack

    from boto3.s3.transfer import TransferConfig

    from plugins.storage_s3.testing import running_seaweedfs
    from tests.nginx_front import front_nginx

    figures = {"raw": [], "store": [], "tus_sendfile": []}
    with ExitStack() as stack:
        store = stack.enter_context(running_seaweedfs(folder / "seaweedfs"))
        bucket = store.new_bucket()
        server, base = start_amphi(folder, workers=1, **store.settings(bucket))
        stack.callback(lambda: (server.terminate(), server.wait()))
        front = stack.enter_context(
            front_nginx(folder / "nginx", app=base.removeprefix("http://"), media=str(folder / "var" / "media"))
        )
        figures["rss_start"] = vm_hwm(server.pid)
        headers = http_sign_in(base, "admin", "bench password 1")
        warm = folder / "warm.bin"
        make_file(warm, 8 * 1024 * 1024)
        tus_sendfile_upload(front, headers, warm, 8 * 1024 * 1024, chunk)
        figures["rss_before"] = vm_hwm(server.pid)
        client = store.client()
        part = 16 * 1024 * 1024  # storage_s3's defaults: 16 MiB parts, 4 at a time
        transfer = TransferConfig(multipart_threshold=part, multipart_chunksize=part, max_concurrency=4)
        for _ in range(repeat):
            os.sync()
            figures["raw"].append(raw_copy(source, size))
            os.sync()
            started = time.perf_counter()  # the store's own pace: boto3 straight to it, no nginx, no Amphi
            client.upload_file(str(source), bucket, "direct.bin", Config=transfer)
            figures["store"].append(size / (time.perf_counter() - started))
            os.sync()
            figures["tus_sendfile"].append(tus_sendfile_upload(front, headers, source, size, chunk))
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for item in page.get("Contents", ()):
                    client.delete_object(Bucket=bucket, Key=item["Key"])
        figures["rss_after"] = vm_hwm(server.pid)
        figures["rss_now"] = int(
            re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{server.pid}/status").read_text()).group(1)
        )
        figures["rss_now"] *= 1024
    return figures


def report_front(figures: dict, size: int, chunk: int, repeat: int) -> None:
    mb = 1024 * 1024
    raw, tus = statistics.median(figures["raw"]), statistics.median(figures["tus_sendfile"])
    direct = statistics.median(figures["store"])
    print(f"{size / mb:.0f} MiB over loopback, requests of {chunk / mb:.0f} MiB, medians of {repeat} alternating runs")
    for name, label in (("raw", "raw loopback copy (socket sendfile to a file)"),
                        ("store", "boto3 straight to the store (its ceiling)"),
                        ("tus_sendfile", "tus through nginx to amphi serve to S3")):  # fmt: skip
        runs = ", ".join(f"{value / mb:.0f}" for value in figures[name])
        print(f"{label:<48} {statistics.median(figures[name]) / mb:8.1f} MiB/s  (runs: {runs})")
    print(f"{'tus through nginx to S3 / raw loopback copy':<48} {tus / raw:8.1%}   (target >= 80 %)")
    print(f"{'tus through nginx to S3 / boto3 to the store':<48} {tus / direct:8.1%}")
    print(f"{'server peak RSS at start':<48} {figures['rss_start'] / mb:8.1f} MiB")
    print(f"{'server peak RSS warm (signed in, 8 MiB sent)':<48} {figures['rss_before'] / mb:8.1f} MiB")
    print(f"{'server peak RSS after the uploads':<48} {figures['rss_after'] / mb:8.1f} MiB   (target < 150 MiB)")
    print(f"{'server RSS after the uploads (boto3 loaded)':<48} {figures['rss_now'] / mb:8.1f} MiB")


def report(figures: dict, size: int, chunk: int, repeat: int) -> None:
    mb = 1024 * 1024
    medians = {name: statistics.median(figures[name]) for name in ("raw", "sink", "tus", "tus_sendfile")}
    labels = {
        "raw": "raw loopback copy (socket sendfile to a file)",
        "sink": "HTTP PUTs to a tiny WSGI sink under waitress",
        "tus": "tus upload to amphi serve (tuspy)",
        "tus_sendfile": "tus upload to amphi serve (sendfile client)",
    }
    print(f"{size / mb:.0f} MiB over loopback, requests of {chunk / mb:.0f} MiB, medians of {repeat} alternating runs")
    for name, label in labels.items():
        runs = ", ".join(f"{value / mb:.0f}" for value in figures[name])
        print(f"{label:<48} {medians[name] / mb:8.1f} MiB/s  (runs: {runs})")
    print(f"{'tus / raw loopback copy':<48} {medians['tus'] / medians['raw']:8.1%}   (target >= 80 %)")
    print(f"{'tus (sendfile client) / raw loopback copy':<48} {medians['tus_sendfile'] / medians['raw']:8.1%}")
    print(f"{'tus / WSGI sink (the same server, no app)':<48} {medians['tus'] / medians['sink']:8.1%}")
    print(f"{'server peak RSS at start':<48} {figures['rss_start'] / mb:8.1f} MiB")
    print(f"{'server peak RSS warm (signed in, 8 MiB sent)':<48} {figures['rss_before'] / mb:8.1f} MiB")
    print(f"{'server peak RSS after the uploads':<48} {figures['rss_after'] / mb:8.1f} MiB   (target < 150 MiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="2G", help="bytes to send (K, M, G suffixes); default 2G")
    parser.add_argument("--chunk", default="64M", help="tus chunk size; default 64M")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; medians are compared; default 3")
    parser.add_argument(
        "--through", choices=("direct", "nginx"), default="direct", help="nginx: etc/nginx/amphi.conf in front"
    )
    parser.add_argument("--storage", choices=("local", "s3"), default="local", help="s3: storage_s3 on SeaweedFS")
    args = parser.parse_args()
    if (args.through == "nginx") != (args.storage == "s3"):
        parser.error("the production layout is --through nginx --storage s3 (or neither)")
    size, chunk = parse_size(args.size), parse_size(args.chunk)
    with tempfile.TemporaryDirectory(prefix="amphi-upload-bench-") as folder:
        folder = Path(folder)
        source = folder / "source.bin"
        make_file(source, size)
        if args.through == "nginx":
            report_front(measure_front(folder, source, size, chunk, args.repeat), size, chunk, args.repeat)
            return
        figures = measure(folder, source, size, chunk, args.repeat)
    report(figures, size, chunk, args.repeat)


if __name__ == "__main__":
    main()

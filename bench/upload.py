"""Upload benchmark: a tus upload over loopback to a real `amphi serve`, against a raw loopback copy.

    .venv/bin/python bench/upload.py [--size 2G] [--chunk 64M]

Prints, side by side: the throughput of a plain HTTP PUT of the same bytes to a
minimal sink server (the raw loopback copy), the tus upload's throughput
(tuspy client, real Amphi server on the embedded default), their ratio, and the
Amphi server process's peak resident memory (VmHWM) before and after.
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import os
import re
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


class Sink(http.server.BaseHTTPRequestHandler):
    """Writes a PUT body to a file in 1 MiB chunks: the raw loopback copy of the same bytes to disk."""

    target = "/dev/null"

    def do_PUT(self):
        remaining = int(self.headers["Content-Length"])
        with open(self.target, "wb") as handle:
            while remaining:
                chunk = self.rfile.read(min(1024 * 1024, remaining))
                handle.write(chunk)
                remaining -= len(chunk)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def raw_copy(path: Path, size: int) -> float:
    Sink.target = str(path.parent / "raw-copy.bin")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1])
    started = time.perf_counter()
    with open(path, "rb") as handle:
        connection.request("PUT", "/", body=handle, headers={"Content-Length": str(size)})
        connection.getresponse().read()
    elapsed = time.perf_counter() - started
    server.shutdown()
    os.remove(Sink.target)
    return size / elapsed


def vm_hwm(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024


def start_amphi(folder: Path) -> tuple[subprocess.Popen, str]:
    ini = write_ini(folder, f"sqlite:///{folder}/var/amphi.sqlite", **{"amphi.uploads.max_size": str(64 * 1024**3)})
    amphi = [sys.executable, "-m", "core.cli", "-c", str(ini)]
    subprocess.run(amphi + ["init", "--admin-password", "bench password 1"], check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(amphi + ["serve", "--port", str(port), "--threads", "4"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/login").close()
            return server, base
        except OSError:
            time.sleep(0.2)
    raise SystemExit("amphi serve did not start")


def tus_upload(base: str, headers: dict, path: Path, size: int, chunk: int) -> float:
    from tusclient import client

    uploader = client.TusClient(base + "/api/uploads/", headers=headers).uploader(
        str(path), chunk_size=chunk, metadata={"filename": "bench.bin"})
    started = time.perf_counter()
    uploader.upload()
    elapsed = time.perf_counter() - started
    assert uploader.offset == size
    return size / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="2G", help="bytes to send (K, M, G suffixes); default 2G")
    parser.add_argument("--chunk", default="64M", help="tus chunk size; default 64M")
    args = parser.parse_args()
    size, chunk = parse_size(args.size), parse_size(args.chunk)
    with tempfile.TemporaryDirectory(prefix="amphi-upload-bench-") as folder:
        folder = Path(folder)
        source = folder / "source.bin"
        make_file(source, size)
        raw = raw_copy(source, size)
        server, base = start_amphi(folder)
        try:
            rss_start = vm_hwm(server.pid)
            headers = http_sign_in(base, "admin", "bench password 1")  # pages rendered once: templates compiled, caches warm
            warm = folder / "warm.bin"
            make_file(warm, 8 * 1024 * 1024)
            tus_upload(base, headers, warm, 8 * 1024 * 1024, chunk)
            rss_before = vm_hwm(server.pid)
            tus = tus_upload(base, headers, source, size, chunk)
            rss_after = vm_hwm(server.pid)
        finally:
            server.terminate()
            server.wait()
    mb = 1024 * 1024
    print(f"upload of {size / mb:.0f} MiB over loopback, tus chunks of {chunk / mb:.0f} MiB")
    print(f"{'raw loopback copy (HTTP PUT, written to disk)':<44} {raw / mb:8.1f} MiB/s")
    print(f"{'tus upload to amphi serve (tuspy)':<44} {tus / mb:8.1f} MiB/s")
    print(f"{'tus / raw':<44} {tus / raw:8.1%}   (target >= 80 %)")
    print(f"{'server peak RSS at start':<44} {rss_start / mb:8.1f} MiB")
    print(f"{'server peak RSS warm (signed in, 8 MiB sent)':<44} {rss_before / mb:8.1f} MiB")
    print(f"{'server peak RSS after the upload':<44} {rss_after / mb:8.1f} MiB   (target < 150 MiB)")


if __name__ == "__main__":
    main()

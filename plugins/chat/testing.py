"""Real hubs for the chat's tests and benchmark: the embedded hub as a subprocess, and nginx with
Nchan on Redis (one node or several sharing Redis), on free loopback ports.

The nginx configuration is the one ``etc/nginx/chat.conf`` documents, written for a test prefix.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

NCHAN_MODULE = "/usr/lib/nginx/modules/ngx_nchan_module.so"
REDIS_URL = os.environ.get("AMPHI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on {port}:\n{log.read_text() if log.exists() else ''}") from None
            time.sleep(0.1)


def wait_for_hub(port: int, timeout: float = 60) -> None:
    """Wait until the embedded hub that ``amphi serve`` starts listens (it loads the application first)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


NGINX_CONF = """
load_module {module};
worker_processes 1;
worker_rlimit_nofile 20000;
error_log {prefix}/error.log warn;
pid {prefix}/nginx.pid;
daemon off;
events {{ worker_connections 10000; }}
http {{
  access_log off;
  client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy; fastcgi_temp_path {prefix}/fcgi;
  uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;
  nchan_redis_url "{redis}";
  nchan_redis_namespace "{namespace}";
  upstream amphi {{ server 127.0.0.1:{app_port}; keepalive 32; }}
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    location ~ ^/chat/sub/([A-Za-z0-9_-]+)$ {{
      nchan_subscriber eventsource websocket;
      nchan_channel_id "$1";
      nchan_use_redis on;
      nchan_authorize_request /_chat_auth;
      nchan_subscriber_first_message -{first};
    }}
    location = /_chat_auth {{
      internal;
      proxy_pass http://amphi/chat/auth;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header Host $host;
      proxy_set_header X-Original-URI $request_uri;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }}
    location ~ ^/chat/pub/([A-Za-z0-9_-]+)$ {{
      allow 127.0.0.1;
      deny all;
      nchan_publisher;
      nchan_channel_id "$1";
      nchan_use_redis on;
      nchan_message_buffer_length 50;
      nchan_message_timeout 4h;
    }}
    location / {{ proxy_pass http://amphi; proxy_set_header Host $host; }}
  }}
}}
"""


@contextmanager
def nchan_nodes(folder: Path, app_port: int, count: int = 2, first: int = 10):
    """``count`` nginx processes with Nchan sharing one Redis namespace; yields their ports."""
    namespace = "amphi-test-" + uuid.uuid4().hex[:10]
    processes, ports = [], []
    try:
        for number in range(count):
            prefix = folder / f"nginx{number}"
            prefix.mkdir(parents=True, exist_ok=True)
            port = free_port()
            conf = prefix / "nginx.conf"
            conf.write_text(
                NGINX_CONF.format(
                    module=NCHAN_MODULE,
                    prefix=prefix,
                    redis=REDIS_URL,
                    namespace=namespace,
                    app_port=app_port,
                    port=port,
                    first=first,
                )
            )
            log = prefix / "error.log"
            process = subprocess.Popen(
                ["nginx", "-p", str(prefix), "-c", str(conf)],
                stderr=subprocess.STDOUT,
                stdout=open(prefix / "out.log", "w"),
            )
            processes.append(process)
            wait_for_port(port, process, log)
            ports.append(port)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@contextmanager
def embedded_hub(ini: Path, port: int, folder: Path):
    """``python -m plugins.chat.hub -c ini`` (its ini names ``port``), until the block ends."""
    log = folder / "hub.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "plugins.chat.hub", "-c", str(ini)], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for_port(port, process, log)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


class EventStream:
    """A minimal EventSource client over a raw socket (what a browser does), for tests."""

    def __init__(self, url: str, last_event_id: str = "", timeout: float = 10):
        parts = urllib.parse.urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        path = parts.path + ("?" + parts.query if parts.query else "")
        extra = f"Last-Event-ID: {last_event_id}\r\n" if last_event_id else ""
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\nAccept: text/event-stream\r\n{extra}\r\n".encode()
        )
        self.raw = self.body = b""
        while b"\r\n\r\n" not in self.raw:
            self._recv()
        head, _, self.raw = self.raw.partition(b"\r\n\r\n")
        self.status = int(head.split(b" ", 2)[1])
        self.chunked = b"transfer-encoding: chunked" in head.lower()
        self._decode()

    def _recv(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed")
        self.raw += data

    def _decode(self) -> None:
        """Move what arrived to ``body``, taking chunked transfer encoding off (Nchan uses it)."""
        if not self.chunked:
            self.body, self.raw = self.body + self.raw, b""
            return
        while b"\r\n" in self.raw:
            size_line, _, rest = self.raw.partition(b"\r\n")
            size = int(size_line.split(b";")[0] or b"0", 16)
            if len(rest) < size + 2:
                return
            self.body += rest[:size]
            self.raw = rest[size + 2 :]

    def _until(self, marker: bytes) -> bytes:
        while marker not in self.body:
            self._recv()
            self._decode()
        found, _, self.body = self.body.partition(marker)
        return found

    def events(self, count: int) -> list[dict]:
        """The next ``count`` events' JSON data (comments and chunk sizes skipped)."""
        found: list[dict] = []
        while len(found) < count:
            block = self._until(b"\n\n").decode()
            data = [line[5:].lstrip() for line in block.splitlines() if line.startswith("data:")]
            ids = [line[3:].strip() for line in block.splitlines() if line.startswith("id:")]
            if data:
                event = json.loads("\n".join(data))
                event["_id"] = ids[-1] if ids else ""
                found.append(event)
        return found

    def close(self) -> None:
        self.sock.close()

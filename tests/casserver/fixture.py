"""Start the test CAS server (django-cas-server under waitress) on loopback, and sign in through its form."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import requests

from core.testing import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class LogoutRecorder(ThreadingHTTPServer):
    """Receives the CAS server's single-logout POSTs; ``requests`` is a queue of their ``logoutRequest``."""

    def __init__(self):
        self.requests: queue.Queue[str] = queue.Queue()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                recorder.requests.put(parse_qs(body).get("logoutRequest", [""])[0])
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/slo"


@contextmanager
def cas_server(folder):
    """Yield ``(base_url, recorder)`` of a migrated, configured django-cas-server."""
    recorder = LogoutRecorder()
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="tests.casserver.settings",
        PYTHONPATH=ROOT,
        CASSERVER_DB=str(folder / "cas.sqlite3"),
    )
    for command in (
        ["-m", "django", "migrate", "--noinput"],
        [os.path.join(ROOT, "tests", "casserver", "setup_services.py"), recorder.url],
    ):
        subprocess.run([sys.executable, *command], env=env, cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    log = open(folder / "cas.log", "wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "waitress",
            f"--listen=127.0.0.1:{port}",
            "--threads=4",
            "--call",
            "django.core.wsgi:get_wsgi_application",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/cas"
    try:
        wait_until_up(base + "/login", server)
        yield base, recorder
    finally:
        server.terminate()
        server.wait(10)
        log.close()
        recorder.shutdown()


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the test CAS server stopped at start-up (see cas.log)")
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError("the test CAS server did not answer in time")


def hidden_fields(html: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", html):
        if 'type="hidden"' in tag:
            name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
            if name:
                fields[name.group(1)] = value.group(1).replace("&amp;", "&") if value else ""
    return fields


def browser_login(login_url: str, username: str, password: str, browser: requests.Session | None = None) -> str:
    """Fill in the CAS login form at ``login_url`` (our redirect); return where the server sends us back."""
    browser = browser or requests.Session()
    page = browser.get(login_url, timeout=10)
    page.raise_for_status()
    action = re.search(r'<form\b[^>]*action="([^"]*)"', page.text)
    target = requests.compat.urljoin(page.url, action.group(1).replace("&amp;", "&")) if action else page.url
    fields = hidden_fields(page.text)
    fields.update(username=username, password=password)
    fields.setdefault("_eventId", "submit")  # Apereo CAS's form wants it; others ignore it
    answer = browser.post(target, data=fields, allow_redirects=False, timeout=10)
    assert answer.status_code in (302, 303), f"the CAS server did not accept the form ({answer.status_code})"
    return answer.headers["Location"]

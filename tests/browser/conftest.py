"""Browser tests: a real Amphi server, Debian's Chromium driven by Playwright, axe-core on every page."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from core.testing import temporary_database, write_ini
from tests.browser.browsing import ADMIN_PASSWORD

CHROMIUM = os.environ.get("AMPHI_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def amphi(ini, *args):
    subprocess.run([sys.executable, "-m", "core.cli", "-c", str(ini), *args], check=True, capture_output=True,
                   timeout=120)


class LiveServer(str):
    """The base URL (``live_server + "/login"``), with the ini file and database URL behind it."""

    ini: str
    database_url: str


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """``amphi serve`` (with its embedded worker) on a fresh database, a superuser and a staff member."""
    folder = tmp_path_factory.mktemp("live")
    with temporary_database(folder) as url:
        ini = write_ini(folder, url, **{"amphi.worker.embedded": "true"})
        amphi(ini, "init", "--admin-password", ADMIN_PASSWORD)
        amphi(ini, "user", "add", "default", "prof", "--role", "staff", "--password", "prof password 1")
        port = free_port()
        log = open(folder / "server.log", "w")
        server = subprocess.Popen([sys.executable, "-m", "core.cli", "-c", str(ini), "serve", "--port", str(port)],
                                  stdout=log, stderr=subprocess.STDOUT)
        base = LiveServer(f"http://127.0.0.1:{port}")
        base.ini, base.database_url = str(ini), url
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=2).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (folder / "server.log").read_text()
                time.sleep(0.3)
        yield base
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture(scope="session")
def chromium():
    playwright_sync = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM} (apt-get install chromium)")
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="en-GB")
    page = context.new_page()
    yield page
    context.close()

"""Shared pytest fixtures (a pytest plugin: separately installed plugins reuse them).

The database is SQLite by default; ``AMPHI_TEST_DB=postgresql`` runs the same
tests on a fresh PostgreSQL database created on ``AMPHI_TEST_POSTGRES_URL``
(default ``postgresql://postgres@127.0.0.1:5432/postgres``) and dropped after.
Each test runs inside a doomed transaction that is aborted at the end.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager

import pytest
import transaction
import webtest
from pyramid.request import Request, apply_request_extensions
from sqlalchemy import text

import core.pagecache.generation  # noqa: F401  (engines the tests make track page content changes, as the app's do)
from core.platform.db import get_tm_session, make_engine
from core.platform.plugins import PluginInfo
from core.platform.settings import setting

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def database_kind() -> str:
    kind = os.environ.get("AMPHI_TEST_DB", "sqlite")
    if kind not in ("sqlite", "postgresql"):
        raise RuntimeError(f"AMPHI_TEST_DB must be sqlite or postgresql, not {kind!r}")
    return kind


@contextmanager
def temporary_database(folder, kind: str | None = None):
    """Yield the URL of an empty database of ``kind``; drop it afterwards."""
    kind = kind or database_kind()
    if kind == "sqlite":
        yield f"sqlite:///{folder}/amphi-{uuid.uuid4().hex[:8]}.sqlite"
        return
    server = os.environ.get("AMPHI_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    name = f"amphi_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield re.sub(r"/[^/]*$", f"/{name}", server)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def settings_for_tests(database_url: str, var_dir) -> dict:
    return {
        "amphi.var_dir": str(var_dir),
        "amphi.database_url": database_url,
        "amphi.queue_url": "memory://",
        "amphi.session_secret": "test-secret-" + uuid.uuid4().hex,
        "amphi.plugins.required": "",
        # Requests share one transaction that is never committed: the content generation
        # never moves, so cached pages would go stale (tests/functional/test_page_cache.py commits).
        "amphi.page_cache.size_mb": "0",
    }


# --- which tests run on each database ------------------------------------------------

DATABASE_FIXTURES = frozenset({"amphi_settings", "live_server"})


def touches_database(item) -> bool:
    """Whether ``item`` uses a database: through a fixture that makes one, or by making its own.

    A browser test (the ``chromium`` fixture, which ``page`` uses) checks what a person sees and does, which the database does not
    change: it runs once, on SQLite, unless marked ``pytest.mark.both_databases``. What differs between the
    databases is proven by the functional tests, which run on both, except those marked
    ``pytest.mark.one_database`` (their subject, such as the files ffmpeg writes, does not depend on it).
    """
    fixtures = set(getattr(item, "fixturenames", ()))
    if uses_a_browser(item) and item.get_closest_marker("both_databases") is None:
        return False
    if item.get_closest_marker("one_database") is not None:
        return False  # e.g. what ffmpeg writes: the app that queued it is tested on both elsewhere
    if DATABASE_FIXTURES & fixtures:
        return True
    module = getattr(item, "module", None)
    return module is not None and hasattr(module, "temporary_database")


def uses_a_browser(item) -> bool:
    """Whether ``item`` drives Chromium (the ``chromium`` fixture, which ``page`` uses)."""
    return "chromium" in set(getattr(item, "fixturenames", ()))


def pytest_configure(config):
    """Accounts made by the tests get cheap password hashes (argon2id at its minimum): the suite makes
    thousands, and the production profile (19 MiB, 2 passes) took a fifth of a functional test's time.
    A hash names its own parameters, so signing in checks either kind; servers the tests start as
    processes keep the production profile."""
    from argon2 import PasswordHasher

    from core.access import security

    security._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def pytest_collection_modifyitems(config, items):
    """Choose the tests of one part of ``./run-tests``.

    ``AMPHI_TEST_DATABASE_ONLY=1`` keeps only the tests that touch a database: ``./run-tests`` runs
    everything on SQLite and only these on PostgreSQL (a test that never opens a database would only
    run twice for nothing). ``AMPHI_TEST_PART=browser`` keeps only the tests that drive Chromium,
    ``AMPHI_TEST_PART=other`` only the others: the SQLite run is split in two parts that run side by side.
    """
    part = os.environ.get("AMPHI_TEST_PART", "")
    if part not in ("", "browser", "other"):
        raise RuntimeError(f"AMPHI_TEST_PART must be browser or other, not {part!r}")
    database_only = os.environ.get("AMPHI_TEST_DATABASE_ONLY") == "1"
    if not database_only and not part:
        return
    kept, dropped = [], []
    for item in items:
        wanted = (not database_only or touches_database(item)) and (
            not part or uses_a_browser(item) == (part == "browser")
        )
        (kept if wanted else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def amphi_settings(tmp_path_factory):
    with temporary_database(tmp_path_factory.mktemp("db")) as url:
        yield settings_for_tests(url, tmp_path_factory.mktemp("var"))


@pytest.fixture(scope="session")
def app(amphi_settings):
    """The whole WSGI app, built once, on a migrated database."""
    from core.platform.app import make_app
    from core.platform.migrate import upgrade
    from core.platform.plugins import make_plugin_host
    from core.platform.settings import load_settings

    host = make_plugin_host(load_settings(amphi_settings))
    engine = make_engine(setting(amphi_settings, "amphi.database_url"))
    upgrade(engine, host)
    engine.dispose()
    wsgi = make_app(None, amphi_settings, plugin_host=host)
    yield wsgi
    wsgi.registry["db_engine"].dispose()


@pytest.fixture
def tm():
    manager = transaction.TransactionManager(explicit=True)
    manager.begin()
    manager.doom()
    yield manager
    manager.abort()


@pytest.fixture
def dbsession(app, tm):
    return get_tm_session(app.registry["dbsession_factory"], tm)


class AmphiTestApp(webtest.TestApp):
    """WebTest with helpers for CSRF tokens and signing in."""

    def csrf_token(self, url: str = "/login") -> str:
        """The session's token, from a form of ``url``; an anonymous visitor's comes from the sign-in page
        (anonymous pages carry none, to stay cacheable)."""
        page = self.get(url)
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        if match is None and "amphi_session" not in self.cookies and url != "/login":
            return self.csrf_token("/login")
        assert match, f"no CSRF token on {url}"
        return match.group(1)

    def sign_in(self, username: str, password: str, status: int | str = 302):
        token = self.csrf_token()
        return self.post(
            "/auth/local/login", {"username": username, "password": password, "csrf_token": token}, status=status
        )


@pytest.fixture
def make_testapp(app, tm, dbsession):
    """``make_testapp(host)``: a browser (cookie jar) talking to the site of ``host``."""

    def make(host: str = "a.test") -> AmphiTestApp:
        return AmphiTestApp(
            app,
            extra_environ={
                "HTTP_HOST": host,
                "tm.active": True,
                "tm.manager": tm,
                "app.dbsession": dbsession,
                "REMOTE_ADDR": "192.0.2.10",
            },
        )

    return make


@pytest.fixture
def testapp(make_testapp, site):
    return make_testapp(site.domains[0].domain)


@pytest.fixture
def make_request(app, tm, dbsession):
    """``make_request(site)``: a real request of ``site`` outside HTTP (hooks, settings...)."""

    def make(site=None, user=None) -> Request:
        host = site.domains[0].domain if site is not None and site.domains else "a.test"
        request = Request.blank("/", base_url=f"http://{host}")
        request.registry = app.registry
        request.environ.update({"tm.active": True, "tm.manager": tm, "app.dbsession": dbsession})
        apply_request_extensions(request)
        if site is not None:
            request.site = site
        request.user = user
        return request

    return make


@pytest.fixture
def make_site(app, dbsession):
    """``make_site(slug, plugins=None)``: a site answering ``<slug>.test``."""
    from core.platform.sites import create_site

    def make(slug: str, plugins: list[str] | None = None, **kw):
        return create_site(
            dbsession,
            app.registry,
            slug,
            kw.pop("name", slug.upper()),
            kw.pop("domains", [f"{slug}.test"]),
            plugins=plugins,
            **kw,
        )

    return make


@pytest.fixture
def site(make_site):
    """Site A (``a.test``), with every installed plugin enabled."""
    return make_site("a")


@pytest.fixture
def make_user(make_request):
    """``make_user(site, username, role='user', password=None)``."""
    from core.access.users import create_user

    def make(site, username: str, role: str = "user", password: str | None = None, **kw):
        return create_user(make_request(site), username, role=role, password=password, **kw)

    return make


@pytest.fixture
def make_video(make_request):
    """``make_video(site, owner, title='...', **fields)`` through :func:`core.ingest.create_video`."""
    from core.ingest import create_video

    def make(site, owner, title: str = "A lecture", **fields):
        return create_video(make_request(site), owner, title, **fields)

    return make


@pytest.fixture
def register_plugin(app):
    """``register_plugin(obj, name)``: register a plugin for this test only."""
    host = app.registry.plugins
    added = []

    def register(plugin, name: str):
        info = host.add(plugin, PluginInfo(name=name, module=getattr(plugin, "__name__", name)))
        added.append(name)
        return info

    yield register
    for name in added:
        host.remove(name)


def write_ini(folder, database_url: str, **extra: str):
    """An ini file for subprocess tests (``amphi -c``): this database, a SQLite queue, var/ in ``folder``."""
    lines = [
        "[app:main]",
        "use = egg:amphi",
        f"amphi.var_dir = {folder}/var",
        f"amphi.database_url = {database_url}",
        f"amphi.queue_url = sqlite:///{folder}/var/huey.sqlite",
        f"amphi.session_secret_file = {folder}/var/session_secret",
    ] + [f"{key} = {value}" for key, value in extra.items()]
    path = folder / "amphi.ini"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def committed_site(app):
    """A site with a staff member, committed for real (for workers, which open their own transactions).

    Yields ``(site_id, user_id)``; everything of the site is deleted afterwards.
    """
    from sqlalchemy import delete

    from core.access.users import create_user
    from core.models import Site, Video
    from core.platform.sites import create_site
    from core.platform.tasks import worker_request

    slug = "committed-" + uuid.uuid4().hex[:8]
    with worker_request() as request:
        site = create_site(request.dbsession, app.registry, slug, slug, [f"{slug}.test"])
        request.site = site
        user = create_user(request, "owner", role="staff", password="owner password 1")
        ids = (site.id, user.id)
    yield ids
    with worker_request() as request:
        request.dbsession.execute(delete(Video).where(Video.site_id == ids[0]))
        request.dbsession.execute(delete(Site).where(Site.id == ids[0]))


# --- a real server, for clients that speak HTTP (browsers, tuspy) -------------------

LIVE_ADMIN_PASSWORD = "browser admin password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_amphi(ini, *args):
    subprocess.run(
        [sys.executable, "-m", "core.cli", "-c", str(ini), *args], check=True, capture_output=True, timeout=120
    )


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
        run_amphi(ini, "init", "--admin-password", LIVE_ADMIN_PASSWORD)
        run_amphi(ini, "user", "add", "default", "prof", "--role", "staff", "--password", "prof password 1")
        with serving(ini, folder) as address:
            base = LiveServer(address)
            base.ini, base.database_url = str(ini), url
            yield base


@contextmanager
def serving(ini, folder, port: int | None = None, workers: int = 1):
    """``amphi serve`` with ``ini`` on ``port`` (a free one by default), in ``workers`` processes, until the
    block ends; yields its base URL.

    Waits until it answers; its output goes to ``folder/server.log``, shown if it dies first.
    """
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    with open(folder / "server.log", "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "core.cli", "-c", str(ini), "serve", "--port", str(port), "--workers", str(workers)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(base + "/", timeout=2).close()
                    break
                except OSError:
                    assert server.poll() is None and time.monotonic() < deadline, (folder / "server.log").read_text()
                    time.sleep(0.3)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)


def http_sign_in(base: str, username: str, password: str) -> dict:
    """Sign in over real HTTP; return the headers a script then sends (session cookie, CSRF token)."""
    from http.cookiejar import CookieJar
    from urllib.parse import urlencode

    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def token(path: str) -> str:
        found = re.search(r'name="csrf_token" value="([^"]+)"', opener.open(base + path).read().decode())
        if found is None:
            raise LookupError(f"no CSRF token in the page {base + path}")
        return found.group(1)

    form = urlencode({"username": username, "password": password, "csrf_token": token("/login")}).encode()
    opener.open(urllib.request.Request(base + "/auth/local/login", data=form))
    return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in jar), "X-CSRF-Token": token("/")}


# --- browser tests: Debian's Chromium through Playwright, axe-core on every page ------------------
# One Playwright session for the whole run: the sync API refuses to start a second one while the
# first is alive, so every suite (the core's and the plugins') shares these fixtures.

CHROMIUM = os.environ.get("AMPHI_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # core/testing/ -> .
AXE = os.environ.get("AMPHI_TEST_AXE") or os.path.join(REPOSITORY, "node_modules", "axe-core", "axe.min.js")


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium for the whole test run."""
    playwright_sync = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM} (apt-get install chromium)")
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A fresh browser context (English) and its page."""
    context = chromium.new_context(locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


#: axe-core's WCAG 2.1 A/AA rules and its best practices; of those, the ones a colour scheme changes.
ALL_RULES = {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}
COLOUR_RULES = {"type": "rule", "values": ["color-contrast", "link-in-text-block"]}


def audit(page) -> None:
    """Run axe-core (WCAG 2.1 A/AA rules) on the page in the light and the dark colour scheme; fail on
    serious or critical violations in either."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=AXE)
    bad = []
    # The dark scheme changes colours only (the same document, the same CSS rules but the palette): there
    # the rules about colour run; every rule runs in the light scheme, last, as the tests expect the page.
    for scheme, run_only in (("dark", COLOUR_RULES), ("light", ALL_RULES)):
        page.emulate_media(color_scheme=scheme)
        result = page.evaluate("(runOnly) => axe.run(document, {runOnly})", run_only)
        bad += [
            f"[{scheme}] {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
    assert not bad, f"{page.url}:\n" + "\n".join(bad)


def visit(page, url: str):
    """Go to ``url`` and audit the page; returns Playwright's response."""
    response = page.goto(url)
    audit(page)
    return response


def shoot(page, name: str, full_page: bool = False) -> None:
    """With ``AMPHI_SCREENSHOTS=folder``, keep a screenshot of the page's first screen (or the whole page)
    there, to look at it."""
    folder = os.environ.get("AMPHI_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=full_page)


def sign_in(page, base: str, username: str, password: str) -> None:
    """Sign in through the login form, auditing the pages on the way."""
    visit(page, base + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    audit(page)


def open_account_menu(page) -> None:
    """Unfold the header's account menu (sign out, API tokens, language): behind the menu button on a
    phone, behind the button with the visitor's name on a wider screen."""
    menu = page.locator(".site-header .menu-button")
    if menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()
    account = page.locator(".account-button")
    if account.is_visible() and account.get_attribute("aria-expanded") != "true":
        account.click()


class MailSink:
    """An aiosmtpd handler that keeps every message it receives (``.messages``; ``.port`` once started)."""

    def __init__(self):
        self.messages: list = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes
        from email.policy import default

        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"


@pytest.fixture
def smtp_sink(app, monkeypatch):
    """A local SMTP server (aiosmtpd) the core's mail service sends to; yields its :class:`MailSink`."""
    from aiosmtpd.controller import Controller

    handler = MailSink()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    monkeypatch.setitem(app.registry.settings, "amphi.mail.backend", "smtp")
    monkeypatch.setitem(app.registry.settings, "amphi.mail.smtp_host", "127.0.0.1")
    monkeypatch.setitem(app.registry.settings, "amphi.mail.smtp_port", str(controller.port))
    yield handler
    controller.stop()

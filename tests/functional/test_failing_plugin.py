"""A plugin that raises in every event and contribution hook never breaks a page.

A site enables it beside every installed plugin; a signed-in owner (a site
admin), a signed-in member and an anonymous visitor walk every page they can
reach by following links, and the owner does what fires the events (sign in,
edit, report watching, upload, delete, sign out): every page answers as it
does without the plugin, nothing answers 500, and the plugin was called on the
way.
"""

import re
import types
from collections import Counter, deque
from html import unescape
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, text

from core import hookimpl
from core.catalogue.metadata import get_tags
from core.models import Channel, Theme, Video
from core.platform.plugins import collect, fire
from core.testing import AmphiTestApp

EVENT_HOOKS = (
    "amphi_video_created",
    "amphi_video_ready",
    "amphi_video_failed",
    "amphi_video_changed",
    "amphi_video_deleted",
    "amphi_video_viewed",
    "amphi_watch_progress",
    "amphi_user_signed_in",
    "amphi_ingest_received",
)
CONTRIBUTION_HOOKS = (
    "amphi_nav_items",
    "amphi_video_panels",
    "amphi_player_tracks",
    "amphi_video_badges",
    "amphi_video_views",
    "amphi_video_actions",
    "amphi_feed_links",
    "amphi_home_blocks",
    "amphi_search_text",
    "amphi_search_facets",
    "amphi_login_methods",
    "amphi_user_attributes",
    "amphi_user_signed_out",
    "amphi_user_groups",
)
#: Fired by the workers and the Opencast ingest, not by the pages walked here.
NOT_FIRED_BY_PAGES = {"amphi_video_ready", "amphi_video_failed", "amphi_ingest_received"}
PASSWORD = "owner password 1"
LINK = re.compile(r'href="([^"#]+)"')
#: Bytes, not pages (static files, signed media), and the sign-out form (walked last, on purpose).
NOT_WALKED = re.compile(r"^/(static|plugin-static|[a-z]+-static|media)/|^/logout$")
MOST_PAGES, MOST_VARIANTS = 400, 3


def failing_plugin() -> tuple[types.ModuleType, Counter]:
    """A plugin module whose every event and contribution hook raises; the counter says which were called."""
    called = Counter()
    plugin = types.ModuleType("failing_plugin")

    def raising(name):
        @hookimpl
        def hook(**kwargs):
            called[name] += 1
            raise RuntimeError(f"{name} is broken")

        hook.__name__ = name
        return hook

    for name in EVENT_HOOKS + CONTRIBUTION_HOOKS:
        setattr(plugin, name, raising(name))
    return plugin, called


@pytest.fixture
def world(site, make_user, make_video, dbsession):
    owner = make_user(site, "owner", role="site-admin", password=PASSWORD, display_name="Marie Curie")
    maths = Channel(site_id=site.id, slug="maths", title="Maths")
    maths.themes.append(Theme(slug="analyse", title="Analyse"))
    dbsession.add(maths)
    lecture = make_video(
        site, owner, "Radioactivité", access="public", status="ready", description="Le polonium", channels=[maths]
    )
    lecture.tags = get_tags(dbsession, site.id, ["physique"])
    make_video(site, owner, "Brouillon", access="draft", status="ready")
    make_video(site, owner, "Séminaire du groupe", access="groups", status="ready")
    make_user(site, "member", password=PASSWORD)
    dbsession.flush()
    return owner, lecture


@pytest.fixture
def failing(register_plugin, site):
    plugin, called = failing_plugin()
    register_plugin(plugin, "failing")
    return site, called


def enable(site, on: bool) -> None:
    others = set(site.enabled_plugins) - {"failing"}
    site.enabled_plugins = sorted(others | {"failing"} if on else others)


def browser(app, tm, dbsession, host: str) -> AmphiTestApp:
    return AmphiTestApp(
        app,
        extra_environ={
            "HTTP_HOST": host,
            "tm.active": True,
            "tm.manager": tm,
            "app.dbsession": dbsession,
            "REMOTE_ADDR": "192.0.2.30",
        },
    )


def walk(client, host: str, seeds: list[str]) -> dict[str, int]:
    """``{url: status}`` of every page of the site reached from ``seeds`` by following its links and redirects."""
    statuses: dict[str, int] = {}
    variants: Counter = Counter()
    queue = deque(seeds)
    while queue and len(statuses) < MOST_PAGES:
        url = queue.popleft()
        if url in statuses:
            continue
        response = client.get(url, status="*", expect_errors=True)
        statuses[url] = response.status_int
        targets = [response.location] if response.location else []
        if response.content_type == "text/html":
            targets += [unescape(link) for link in LINK.findall(response.text)]
        for target in targets:
            parts = urlsplit(target)
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if parts.netloc not in ("", host) or not parts.path.startswith("/") or NOT_WALKED.search(parts.path):
                continue
            if local not in statuses and variants[parts.path] < MOST_VARIANTS:
                variants[parts.path] += 1
                queue.append(local)
    return statuses


def seeds(lecture) -> list[str]:
    return [
        "/",
        "/search?q=polonium",
        "/search?q=physique&sort=date",
        "/my/videos",
        "/upload",
        "/channels",
        "/admin/site",
        "/admin/users",
        f"/videos/{lecture.id}",
        f"/videos/{lecture.id}/embed",
        f"/videos/{lecture.id}/edit",
        "/api/v1/",
        "/api/v1/videos",
        f"/api/v1/videos/{lecture.id}",
        f"/api/v1/videos/{lecture.id}/tracks",
        "/api/v1/channels",
        "/api/videos",
        f"/api/videos/{lecture.id}",
        "/api/me",
        "/api/v1/me",
        "/api/search/suggest?q=rad",
        "/feeds/latest.xml",
        "/feeds/channels/maths.xml",
        "/feeds/tags/physique.xml",
        "/feeds/users/owner.xml",
        f"/oembed?url=http://a.test/videos/{lecture.id}",
        "/login",
    ]


def walk_both(clients: dict, lecture) -> dict[str, dict[str, int]]:
    return {who: walk(client, "a.test", seeds(lecture)) for who, client in clients.items()}


def test_the_hooks_named_here_are_the_contracts_events_and_contributions(app):
    specs = {name for name in dir(app.registry.plugins.pm.hook) if name.startswith("amphi_")}
    assert set(EVENT_HOOKS + CONTRIBUTION_HOOKS) <= specs
    assert {name for name in specs if name.startswith(("amphi_video_", "amphi_watch_"))} - {
        "amphi_video_panels",
        "amphi_video_badges",
        "amphi_video_views",
        "amphi_video_actions",
    } <= set(EVENT_HOOKS)


def test_every_page_answers_as_without_the_failing_plugin(app, tm, dbsession, world, failing):
    site, called = failing
    owner, lecture = world
    clients = {who: browser(app, tm, dbsession, "a.test") for who in ("anonymous", "owner", "member")}
    clients["owner"].sign_in("owner", PASSWORD)
    clients["member"].sign_in("member", PASSWORD)
    enable(site, False)
    without = walk_both(clients, lecture)
    assert called == Counter()
    enable(site, True)
    with_it = walk_both(clients, lecture)
    changed = {
        (who, url): (without[who][url], status)
        for who, statuses in with_it.items()
        for url, status in statuses.items()
        if url in without[who] and without[who][url] != status
    }
    assert changed == {}
    for who, statuses in with_it.items():
        assert not {url: status for url, status in statuses.items() if status >= 500}, who
    reached = {url for statuses in with_it.values() for url, status in statuses.items() if status == 200}
    assert len(with_it["owner"]) > 80 and len(with_it["anonymous"]) > 25 and len(with_it["member"]) > 25
    for page in (
        "/",
        "/channels",
        "/channels/maths",
        "/channels/maths/themes/analyse",
        "/my/videos",
        "/upload",
        "/admin/site",
        "/admin/users",
        "/admin/channels",
        f"/videos/{lecture.id}",
        f"/videos/{lecture.id}/edit",
        f"/videos/{lecture.id}/chapters",
        f"/videos/{lecture.id}/subtitles",
        "/search?q=polonium",
        "/api/v1/videos",
        f"/api/v1/videos/{lecture.id}",
        "/feeds/latest.xml",
        "/feeds/channels/maths.xml",
        "/login",
    ):
        assert page in reached, page
    assert {
        "amphi_video_viewed",
        "amphi_nav_items",
        "amphi_video_panels",
        "amphi_video_actions",
        "amphi_player_tracks",
        "amphi_video_badges",
        "amphi_feed_links",
        "amphi_home_blocks",
        "amphi_login_methods",
        "amphi_user_groups",
    } <= set(called)


def test_the_actions_that_fire_events_work_with_the_failing_plugin(app, tm, dbsession, world, failing):
    site, called = failing
    owner, lecture = world
    enable(site, True)
    client = browser(app, tm, dbsession, "a.test")
    client.sign_in("owner", PASSWORD)
    form = client.get(f"/videos/{lecture.id}/edit").forms["video-edit"]
    form["title"] = "Radioactivité naturelle"
    assert "Radioactivité naturelle" in form.submit(status=302).follow(status=200).text
    token = client.csrf_token(f"/videos/{lecture.id}")
    client.post_json(
        f"/api/videos/{lecture.id}/position",
        {"position": 12, "watched": 12},
        headers={"X-CSRF-Token": token},
        status=200,
    )
    count = dbsession.scalar(select(func.count()).select_from(Video).where(Video.site_id == site.id))
    created = client.post(
        "/api/uploads/",
        b"abcd",
        status=201,
        content_type="application/offset+octet-stream",
        headers={
            "Tus-Resumable": "1.0.0",
            "X-CSRF-Token": token,
            "Upload-Length": "4",
            "Upload-Metadata": "filename Y291cnMubXA0",
        },
    )
    assert created.headers["Upload-Offset"] == "4"
    assert dbsession.scalar(select(func.count()).select_from(Video).where(Video.site_id == site.id)) == count + 1
    client.post(
        "/my/videos/bulk",
        {"csrf_token": token, "action": "delete", "video": str(lecture.id), "confirm": "yes"},
        status=302,
    )
    assert dbsession.get(Video, lecture.id) is None
    assert client.post("/logout", {"csrf_token": token}, status=302).location == "http://a.test/"
    assert "amphi_session" not in client.cookies or client.get("/api/me").json.get("user") is None
    assert set(EVENT_HOOKS) - NOT_FIRED_BY_PAGES <= set(called)
    assert {"amphi_user_attributes", "amphi_user_signed_out", "amphi_search_text", "amphi_search_facets"} <= set(called)


def test_the_helpers_call_each_plugin_on_its_own(make_request, make_site, register_plugin, caplog):
    plugin, called = failing_plugin()
    register_plugin(plugin, "failing")

    class Kind:
        seen = []

        @hookimpl
        def amphi_video_changed(self, video):  # fewer arguments than the hook offers, as pluggy allows
            self.seen.append(video)

        @hookimpl
        def amphi_search_text(self, request, video):
            return {"notes": "kept"}

        @hookimpl
        def amphi_search_facets(self, request, video):
            return ["not", "a", "dict"]

    register_plugin(Kind(), "kind")
    request = make_request(make_site("h", plugins=["failing", "kind"]))
    fire(request, "amphi_video_changed", video="v")
    assert Kind.seen == ["v"] and called["amphi_video_changed"] == 1
    assert collect(request, "amphi_search_text", expect=dict, video="v") == [{"notes": "kept"}]
    assert collect(request, "amphi_search_facets", expect=dict, video="v") == []
    assert "plugin failing failed in amphi_video_changed" in caplog.text
    assert "plugin kind: amphi_search_facets must return dict, not list" in caplog.text


def test_a_plugin_whose_sql_fails_in_an_event_leaves_the_callers_transaction_usable(
    site, make_user, make_video, make_request, register_plugin, dbsession, caplog
):
    """On PostgreSQL a failed statement aborts the whole transaction: the event's savepoint keeps it to the plugin."""

    class BadSql:
        @hookimpl
        def amphi_video_changed(self, request, video):
            request.dbsession.execute(text("INSERT INTO no_such_table VALUES (1)"))

    register_plugin(BadSql(), "bad_sql")
    site.enabled_plugins = sorted([*site.enabled_plugins, "bad_sql"])
    video = make_video(site, make_user(site, "prof", role="staff"), "Avant")
    video.title = "Après"
    fire(make_request(site), "amphi_video_changed", video=video)
    dbsession.flush()
    assert dbsession.scalar(select(Video.title).where(Video.id == video.id)) == "Après"
    assert "plugin bad_sql failed in amphi_video_changed" in caplog.text

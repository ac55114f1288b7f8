"""Multi-tenancy: sites from the Host header, per-site plugins, nothing leaks across sites."""

import pytest

from amphi_hello import greeting_count
from core.platform.sites import find_site, host_name


def test_host_names_are_normalised():
    assert host_name("Video.Example.EDU:8443") == "video.example.edu"
    assert host_name("[::1]:6543") == "[::1]"
    assert host_name("localhost") == "localhost"


def test_the_host_header_picks_the_site(make_site, make_testapp):
    make_site("a", name="Université A")
    make_site("b", name="École B")
    assert "Université A" in make_testapp("a.test").get("/").text
    assert "École B" in make_testapp("B.TEST:8080").get("/").text


def test_unknown_hosts_get_the_default_site(make_site, make_testapp, dbsession):
    make_site("main", name="Main site", is_default=True)
    make_site("other")
    assert "Main site" in make_testapp("unknown.example").get("/").text
    assert find_site(dbsession, "unknown.example", fallback_to_default=False) is None


def test_unknown_hosts_get_404_without_a_default(make_site, make_testapp):
    make_site("other")
    page = make_testapp("unknown.example").get("/", status=404)
    assert "No site answers to this host name." in page.text


@pytest.fixture
def two_sites(make_site):
    """Site A enables the example third-party plugin ``hello``; site B does not."""
    return make_site("a", plugins=["auth_local", "hello"]), make_site("b", plugins=["auth_local"])


def test_a_plugin_route_answers_only_where_enabled(two_sites, make_testapp):
    assert make_testapp("a.test").get("/hello").status_int == 200
    make_testapp("b.test").get("/hello", status=404)


def test_a_plugin_nav_item_renders_only_where_enabled(two_sites, make_testapp):
    assert 'href="http://a.test/hello"' in make_testapp("a.test").get("/").text
    assert "/hello" not in make_testapp("b.test").get("/").text


def test_a_plugin_event_hook_fires_only_where_enabled(two_sites, make_user, make_video, dbsession, make_testapp):
    site_a, site_b = two_sites
    make_video(site_a, make_user(site_a, "ana"), "Thermodynamique")
    make_video(site_b, make_user(site_b, "bob"), "Optique")
    assert greeting_count(dbsession, site_a.id) == 1
    assert greeting_count(dbsession, site_b.id) == 0
    assert "Welcome, Thermodynamique!" in make_testapp("a.test").get("/hello").text


def test_enabling_a_plugin_takes_effect_at_once(two_sites, make_testapp, app):
    from core.platform.sites import set_enabled_plugins

    _, site_b = two_sites
    browser = make_testapp("b.test")
    browser.get("/hello", status=404)
    set_enabled_plugins(app.registry, site_b, ["auth_local", "hello"])
    assert browser.get("/hello").status_int == 200


def test_plugin_settings_can_be_overridden_per_site(two_sites, make_user, make_video, make_testapp, app):
    from core.platform.sites import set_plugin_overrides

    site_a, _ = two_sites
    set_plugin_overrides(app.registry, site_a, "hello", {"greeting": "Bienvenue"})
    make_video(site_a, make_user(site_a, "ana"), "Chimie")
    page = make_testapp("a.test").get("/hello")
    assert "Bienvenue, Chimie!" in page.text
    assert ">Bienvenue</a>" in page.text  # the nav item too


def test_the_same_username_on_two_sites_is_two_users(make_site, make_user, make_testapp):
    site_a, site_b = make_site("a"), make_site("b")
    ana_a = make_user(site_a, "ana", password="password-on-a")
    ana_b = make_user(site_b, "ana", password="password-on-b")
    assert ana_a.id != ana_b.id
    make_testapp("a.test").sign_in("ana", "password-on-b", status=401)
    browser = make_testapp("a.test")
    browser.sign_in("ana", "password-on-a")
    assert browser.get("/api/me").json["site"] == "a"
    # The session cookie of site A does not sign anyone in on site B.
    cookie = browser.cookies["amphi_session"]
    other = make_testapp("b.test")
    other.set_cookie("amphi_session", cookie)
    assert other.get("/api/me").json == {"authenticated": False}


def test_one_sites_videos_never_appear_on_another(make_site, make_user, make_video, make_testapp):
    site_a, site_b = make_site("a"), make_site("b")
    video_a = make_video(site_a, make_user(site_a, "ana"), "Cours de A", status="ready", access="public")
    video_b = make_video(site_b, make_user(site_b, "bob"), "Cours de B", status="ready", access="public")
    browser_a, browser_b = make_testapp("a.test"), make_testapp("b.test")
    assert [v["title"] for v in browser_a.get("/api/videos").json["items"]] == ["Cours de A"]
    assert [v["title"] for v in browser_b.get("/api/videos").json["items"]] == ["Cours de B"]
    assert "Cours de A" in browser_a.get("/").text and "Cours de B" not in browser_a.get("/").text
    browser_a.get(f"/api/videos/{video_b.id}", status=404)
    browser_a.get(f"/videos/{video_b.id}", status=404)
    assert browser_b.get(f"/videos/{video_b.id}").status_int == 200
    assert browser_a.get(f"/api/videos/{video_a.id}").json["title"] == "Cours de A"


def test_an_admin_of_one_site_has_no_power_on_another(make_site, make_user, make_video, make_testapp):
    site_a, site_b = make_site("a"), make_site("b")
    make_user(site_a, "boss", role="site-admin", password="boss-password-1")
    draft_b = make_video(site_b, make_user(site_b, "bob"), "Brouillon de B")
    browser = make_testapp("a.test")
    browser.sign_in("boss", "boss-password-1")
    assert browser.get("/admin/site").status_int == 200
    browser.get(f"/api/videos/{draft_b.id}", status=404)
    assert browser.get("/api/videos").json["items"] == []

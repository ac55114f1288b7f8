"""The superuser's sites page: list, create a site with its first administrator, change host names."""

import pytest

from core.models import Site, User
from core.platform.sites import find_site


@pytest.fixture
def superuser_browser(testapp, site, make_user):
    make_user(site, "root", role="superuser", password="root password 1")
    testapp.sign_in("root", "root password 1")
    return testapp


def test_only_superusers_reach_the_sites_page(testapp, site, make_user):
    make_user(site, "boss", role="site-admin", password="boss password 1")
    testapp.sign_in("boss", "boss password 1")
    testapp.get("/admin/sites", status=403)
    testapp.post("/admin/sites", {"csrf_token": testapp.csrf_token("/"), "slug": "x"}, status=403)
    assert "/admin/sites" not in testapp.get("/").text


def test_a_superuser_creates_a_site_with_its_administrator(superuser_browser, dbsession, make_testapp):
    page = superuser_browser.get("/admin/sites")
    assert 'href="http://a.test/admin/sites"' in superuser_browser.get("/").text
    form = page.forms["site-form"]
    form["slug"], form["name"] = "droit", "Faculté de droit"
    form["domains"] = "Video.Droit.Example:8443\nvideo-droit.example"
    form["admin_username"], form["admin_password"] = "doyen", "doyen password 1"
    form["plugins"] = ["auth_local", "storage_local"]
    done = form.submit().follow()
    assert "The site droit was created." in done.text
    site = dbsession.query(Site).filter_by(slug="droit").one()
    assert sorted(d.domain for d in site.domains) == ["video-droit.example", "video.droit.example"]
    assert site.enabled_plugins == ["auth_local", "storage_local"]
    admin = dbsession.query(User).filter_by(site_id=site.id, username="doyen").one()
    assert admin.is_site_admin and not admin.is_superuser
    other = make_testapp("video.droit.example")
    other.sign_in("doyen", "doyen password 1")
    other.get("/admin/site", status=200)
    other.get("/admin/sites", status=403)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("slug", "Bad Slug", "Lower-case letters"),
        ("domains", "good.example bad_host!", "Not a host name: bad_host!"),
        ("domains", "a.test", "already belongs to a site"),
        ("name", "", "Give the site a name."),
    ],
)
def test_a_bad_site_form_says_what_is_wrong_and_creates_nothing(superuser_browser, dbsession, field, value, message):
    form = superuser_browser.get("/admin/sites").forms["site-form"]
    form["slug"], form["name"], form["domains"] = "lettres", "Lettres", "lettres.example"
    form[field] = value
    refused = form.submit(status=400)
    assert message in refused.text and 'aria-invalid="true"' in refused.text
    assert dbsession.query(Site).filter_by(slug="lettres").count() == 0


def test_a_site_without_storage_or_sign_in_is_refused(superuser_browser, dbsession):
    form = superuser_browser.get("/admin/sites").forms["site-form"]
    form["slug"], form["name"], form["domains"] = "vide", "Vide", "vide.example"
    form["plugins"] = []
    refused = form.submit(status=400)
    assert "Keep at least one storage plugin" in refused.text
    assert dbsession.query(Site).filter_by(slug="vide").count() == 0


def test_a_superuser_changes_the_host_names_of_a_site(superuser_browser, dbsession, site):
    assert f'id="domains-{site.id}" name="domains"' in superuser_browser.get("/admin/sites").text
    response = superuser_browser.post(
        f"/admin/sites/{site.id}/domains",
        {"csrf_token": superuser_browser.csrf_token("/admin/sites"), "domains": "a.test b.example"},
    )
    assert response.status_int == 302
    assert find_site(dbsession, "b.example", fallback_to_default=False).id == site.id
    refused = superuser_browser.post(
        f"/admin/sites/{site.id}/domains",
        {"csrf_token": superuser_browser.csrf_token("/admin/sites"), "domains": ""},
        status=400,
    )
    assert "Give at least one host name." in refused.text
    assert find_site(dbsession, "b.example", fallback_to_default=False).id == site.id

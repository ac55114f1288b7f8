"""A site's own pages (accessibility statement, legal notice, privacy, contact), its icon and manifest."""

import json
import re
from pathlib import Path

import pytest

from core.web.views.layout import template_globals

PASSWORD = "a long password 1"
PAGES = ("accessibility", "legal", "privacy", "contact")
STATIC = Path(__file__).parents[2] / "core" / "static"


@pytest.fixture
def admin_browser(testapp, site, make_user):
    make_user(site, "boss", role="site-admin", password=PASSWORD)
    testapp.sign_in("boss", PASSWORD)
    return testapp


@pytest.mark.parametrize("slug", PAGES)
def test_every_page_shows_a_default_text_in_both_languages(testapp, slug):
    english = testapp.get(f"/{slug}", headers={"Accept-Language": "en"})
    french = testapp.get(f"/{slug}", headers={"Accept-Language": "fr"})
    assert english.html.h1.text and french.html.h1.text
    english_text, french_text = english.html.select_one(".prose").text, french.html.select_one(".prose").text
    assert english_text != french_text and re.search(r"\bA\b", english_text)  # the site's name (A) is in it
    assert french.html.html["lang"] == "fr"


def test_the_default_statement_has_the_rgaa_sections(testapp):
    page = testapp.get("/accessibility", headers={"Accept-Language": "fr"})
    assert page.html.h1.text == "Déclaration d'accessibilité"
    facts = page.html.select_one("dl.facts").text
    assert "non conforme" in facts and "Aucun audit" in facts
    for heading in ("Contenus non accessibles", "Retour d'information et contact", "Voies de recours"):
        assert heading in page.text
    assert "Défenseur des droits" in page.text


def test_an_admin_edits_the_statement(admin_browser, site, make_testapp):
    form = admin_browser.get("/admin/site/pages/accessibility").forms["site-page-form"]
    assert "article 47" in form["body_en"].value and "article 47" in form["body_fr"].value  # the default, to edit
    form["conformance"] = "partial"
    form["audit_date"] = "2026-09-30"
    form["compliance_rate"] = "72"
    form["body_fr"] = "## Voies de recours\n\nÉcrivez au **Défenseur des droits**. <script>alert(1)</script>"
    form["body_en"] = ""
    listed = form.submit().follow()
    assert "Saved." in listed.text
    anonymous = make_testapp("a.test")
    for language, state, rate in (("fr", "partiellement conforme", "72 %"), ("en", "partially compliant", "72 %")):
        page = anonymous.get("/accessibility", headers={"Accept-Language": language})
        facts = page.html.select_one("dl.facts").text
        assert state in facts and rate in facts and "2026-09-30" in facts
        prose = page.html.select_one(".prose")
        assert prose.strong.text == "Défenseur des droits"  # an empty English text shows the French one
        assert prose.script is None and "&lt;script&gt;" in str(prose)


def test_invalid_statement_facts_are_refused(admin_browser):
    form = admin_browser.get("/admin/site/pages/accessibility").forms["site-page-form"]
    form["audit_date"] = "30/09/2026"
    form["compliance_rate"] = "140"
    refused = form.submit(status=400)
    assert 'aria-describedby="page-audit_date-hint page-audit_date-error" aria-invalid="true"' in refused.text
    assert "A whole percentage from 0 to 100 is expected." in refused.text
    assert "A date such as 2026-09-30 is expected." in refused.text


@pytest.mark.parametrize("slug", ["legal", "privacy", "contact"])
def test_other_pages_are_edited_per_language(admin_browser, make_testapp, slug):
    form = admin_browser.get(f"/admin/site/pages/{slug}").forms["site-page-form"]
    assert "conformance" not in form.fields
    form["body_en"] = f"English {slug} text"
    form["body_fr"] = f"Texte {slug} en français"
    form.submit().follow()
    anonymous = make_testapp("a.test")
    assert f"English {slug} text" in anonymous.get(f"/{slug}", headers={"Accept-Language": "en"}).text
    assert f"Texte {slug} en français" in anonymous.get(f"/{slug}", headers={"Accept-Language": "fr"}).text


def test_only_the_sites_admins_edit_its_pages(testapp, site, make_user, make_site, make_testapp):
    make_user(site, "prof", role="staff", password=PASSWORD)
    testapp.sign_in("prof", PASSWORD)
    testapp.get("/admin/site/pages", status=403)
    testapp.get("/admin/site/pages/legal", status=403)
    testapp.post("/admin/site/pages/legal", {"csrf_token": testapp.csrf_token("/"), "body_en": "x"}, status=403)
    anonymous = make_testapp("a.test")
    assert anonymous.get("/admin/site/pages/legal", status=(302, 403)).status_int in (302, 403)
    other = make_site("b")
    make_user(other, "bboss", role="site-admin", password=PASSWORD)
    b_admin = make_testapp("b.test")
    b_admin.sign_in("bboss", PASSWORD)
    form = b_admin.get("/admin/site/pages/legal").forms["site-page-form"]
    form["body_en"] = "Only on site B"
    form.submit().follow()
    assert "Only on site B" in b_admin.get("/legal", headers={"Accept-Language": "en"}).text
    assert "Only on site B" not in make_testapp("a.test").get("/legal", headers={"Accept-Language": "en"}).text


def test_the_admin_pages_list_links_every_page(admin_browser):
    assert "/admin/site/pages" in admin_browser.get("/admin/site").text
    listing = admin_browser.get("/admin/site/pages")
    for slug in PAGES:
        assert f'href="http://a.test/admin/site/pages/{slug}"' in listing.text
        assert f'href="http://a.test/{slug}"' in listing.text


def test_footer_links_name_every_page_and_the_conformance_state(make_request, site, admin_browser):
    links = template_globals(make_request(site))["footer_links"]
    assert [link.url for link in links] == [f"http://a.test/{slug}" for slug in PAGES]
    assert [link.title for link in links] == ["Accessibility: not compliant", "Legal notice", "Privacy", "Contact"]
    form = admin_browser.get("/admin/site/pages/accessibility").forms["site-page-form"]
    form["conformance"] = "full"
    form.submit().follow()
    assert template_globals(make_request(site))["footer_links"][0].title == "Accessibility: fully compliant"


@pytest.mark.parametrize("path", [f"/{slug}" for slug in PAGES] + ["/favicon.svg", "/manifest.webmanifest"])
def test_site_pages_are_offered_to_the_page_cache(testapp, path):
    assert "amphi.page_cache" in testapp.get(path).request.environ  # core.pagecache.cache_page was called


def test_favicon_and_manifest(testapp, site):
    page = testapp.get("/")
    icon = page.html.find("link", rel="icon")
    manifest_link = page.html.find("link", rel="manifest")
    svg = testapp.get(icon["href"])
    assert svg.content_type == "image/svg+xml" and f'fill="{site.theme_color}"' in svg.text
    assert testapp.get("/favicon.ico", status=301).location == icon["href"]
    answer = testapp.get(manifest_link["href"])
    assert answer.content_type == "application/manifest+json"
    manifest = json.loads(answer.text)
    assert manifest["name"] == site.name and manifest["theme_color"] == site.theme_color
    assert manifest["start_url"] == "http://a.test/" and manifest["icons"][0]["src"] == icon["href"]


def test_the_api_documentation_page(testapp):
    page = testapp.get("/api/docs")
    root = page.html.find(id="api-docs")
    assert root["data-openapi-url"] == "http://a.test/api/v1/openapi.json"
    assert testapp.get(root["data-openapi-url"]).json["openapi"].startswith("3.")
    scripts = [script["src"].split("/static/")[1] for script in page.html.find_all("script", src=True)]
    assert "vendor/swagger-ui-bundle.js" in scripts and "api-docs.js" in scripts
    for name in (
        "vendor/swagger-ui-bundle.js",
        "vendor/swagger-ui.css",
        "vendor/swagger-ui-dist.LICENSE",
        "api-docs.js",
    ):
        assert (STATIC / name).is_file()  # vendored (scripts/vendor-assets.sh), served without npm

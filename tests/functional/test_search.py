"""Search (search_sql on SQLite FTS5 and PostgreSQL tsvector): words, facets, order, access, sync."""

import subprocess
import sys
from datetime import date

import pytest

from core import hookimpl
from core.catalogue.search import SearchQuery, search
from core.models import Group
from core.testing import database_kind, temporary_database, write_ini
from plugins.search_sql.models import SearchDocument
from tests.searching import found


@pytest.fixture
def people(site, make_user, dbsession):
    group = Group(site_id=site.id, name="l3-droit", title="L3 Droit")
    member = make_user(site, "member")
    member.groups.append(group)
    dbsession.add(group)
    dbsession.flush()
    return {
        "prof": make_user(site, "prof", role="staff", display_name="Marie Curie"),
        "other": make_user(site, "other", role="staff", display_name="Paul Langevin"),
        "member": member,
        "user": make_user(site, "user"),
        "group": group,
    }


def test_accents_and_french_stemming(site, people, publish, make_request):
    publish(site, people["prof"], "Les cours de l'élève", language="fr")
    assert found(make_request, site, text="eleve") == ["Les cours de l'élève"]
    assert found(make_request, site, text="ÉLÈVE") == ["Les cours de l'élève"]
    assert found(make_request, site, text="cours") == ["Les cours de l'élève"]
    if database_kind() == "postgresql":  # stemmed in French: the singular finds the plural
        publish(site, people["prof"], "Économies d'énergie", language="fr")
        assert found(make_request, site, text="économie") == ["Économies d'énergie"]


def test_details_typed_after_the_upload_reindex_the_video(testapp, site, make_user, make_request, dbsession):
    """The upload page's details view fires amphi_video_changed: a new title is found at once."""
    from base64 import b64encode

    from core.models import Video

    make_user(site, "prof", role="staff", password="prof password 1")
    testapp.sign_in("prof", "prof password 1")
    tus = {"Tus-Resumable": "1.0.0", "X-CSRF-Token": testapp.csrf_token("/")}
    location = testapp.post(
        "/api/uploads/",
        headers={**tus, "Upload-Length": "4", "Upload-Metadata": "filename " + b64encode(b"raw.mp4").decode()},
        status=201,
    ).headers["Location"]
    done = testapp.patch(
        location,
        params=b"abcd",
        content_type="application/offset+octet-stream",
        headers={**tus, "Upload-Offset": "0"},
        status=204,
    )
    video = dbsession.get(Video, int(done.headers["Amphi-Video-Id"]))
    video.status, video.access = "ready", "public"
    request = make_request(site)
    request.hooks.amphi_video_ready(request=request, video_id=video.id)
    assert found(make_request, site, text="raw") == ["raw"]
    testapp.post_json(location + "/details", {"title": "Électromagnétisme", "description": ""}, headers=tus)
    assert found(make_request, site, text="electromagnetisme") == ["Électromagnétisme"]
    assert found(make_request, site, text="raw") == []


def test_search_page_lists_results_with_facets_sort_and_pages(testapp, site, people, publish):
    for n in range(23):
        publish(site, people["prof"], f"Conférence <b>{n}</b>", language="fr" if n % 2 else "en")
    page = testapp.get("/search", {"q": "conférence"})
    assert "23 videos found." in page.text
    assert "Conférence &lt;b&gt;22&lt;/b&gt;" in page.text and "<b>22</b>" not in page.text
    assert 'name="language" value="fr"' in page.text and "(11)" in page.text and "(12)" in page.text
    assert "Page 1 of 2" in page.text
    second = page.click("Next page")
    assert "Page 2 of 2" in second.text and second.text.count('class="video-card"') == 3
    french = testapp.get("/search", {"q": "conférence", "language": "fr", "sort": "date"})
    assert "11 videos found." in french.text and 'value="fr" checked' in french.text
    assert '<strong aria-current="true">date</strong>' in french.text
    assert "No video matches" in testapp.get("/search", {"q": "introuvable"}).text


def test_the_search_page_in_french(make_testapp, site, people, publish):
    publish(site, people["prof"], "Cours d'anglais", language="en", duration=90)
    page = make_testapp("a.test").get("/search", {"q": "anglais", "_LOCALE_": "fr"})
    assert "1 vidéo trouvée." in page.text and "Rechercher des vidéos" in page.text
    assert "Anglais <span" in page.text and "Moins de 5 minutes" in page.text and "<legend>Durée</legend>" in page.text


def test_search_box_and_suggestions(testapp, site, people, publish):
    publish(site, people["prof"], "Histoire moderne")
    home = testapp.get("/")
    assert 'role="search"' in home.text and 'type="search"' in home.text and 'for="site-search"' in home.text
    assert testapp.get("/api/search/suggest", {"q": "hist"}).json == {"suggestions": ["Histoire moderne"]}
    assert testapp.get("/api/search/suggest", {"q": "h"}).json == {"suggestions": []}


def test_a_site_without_the_plugin_says_so(make_site, make_user, make_testapp, make_video, make_request):
    bare = make_site("bare", plugins=["auth_local"])
    video = make_video(bare, make_user(bare, "prof", role="staff"), "Cours caché", access="public", status="ready")
    request = make_request(bare)
    request.hooks.amphi_video_ready(request=request, video_id=video.id)
    assert request.dbsession.get(SearchDocument, video.id) is None  # the plugin is silent there
    browser = make_testapp("bare.test")
    assert "Search is not available on this site." in browser.get("/search", {"q": "cours"}).text
    assert browser.get("/api/search/suggest", {"q": "cours"}).json == {"suggestions": []}
    assert search(make_request(bare), SearchQuery(text="cours")) is None


def test_reindex_command(tmp_path):
    with temporary_database(tmp_path) as url:
        ini = write_ini(tmp_path, url)

        def amphi(*args):
            result = subprocess.run(
                [sys.executable, "-m", "core.cli", "-c", str(ini), *args], capture_output=True, text=True, timeout=120
            )
            assert result.returncode == 0, result.stderr
            return result.stdout

        amphi("init")
        amphi("site", "add", "bare", "--domain", "bare.test", "--plugins", "auth_local")
        out = amphi("search", "reindex")
        assert "default: 0 videos indexed" in out and "bare: no search plugin enabled" in out
        assert amphi("search", "reindex", "default").strip() == "default: 0 videos indexed"
        missing = subprocess.run(
            [sys.executable, "-m", "core.cli", "-c", str(ini), "search", "reindex", "nope"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert missing.returncode == 1 and "no site named 'nope'" in missing.stderr


def test_the_catalogues_type_disciplines_and_tags_are_facets(site, people, publish, make_request, dbsession):
    from core.catalogue.metadata import add_list_entry, get_tags, site_video_types

    course = next(t for t in site_video_types(dbsession, site.id) if t.slug == "course")
    maths = add_list_entry(dbsession, site.id, "discipline", "Mathématiques")
    publish(
        site,
        people["prof"],
        "Séance d'intégration",
        type=course,
        disciplines=[maths],
        tags=get_tags(dbsession, site.id, ["analyse", "l2"]),
    )  # tags as the edit page normalises them
    publish(site, people["prof"], "Séance de révision")
    results = search(make_request(site), SearchQuery(text="séance"))
    facets = {name: [(c.value, c.label, c.count) for c in counts] for name, counts in results.facets.items()}
    assert facets["type"] == [("course", "Course", 1)]
    assert facets["discipline"] == [(maths.slug, "Mathématiques", 1)]
    assert sorted(facets["tag"]) == [("analyse", "analyse", 1), ("l2", "l2", 1)]
    assert found(make_request, site, text="séance", filters={"type": ["course"]}) == ["Séance d'intégration"]
    assert found(make_request, site, text="analyse") == ["Séance d'intégration"]  # tags are searched words too


def test_renaming_or_hiding_a_channel_reindexes_its_videos(site, people, publish, make_request, make_user, dbsession):
    from dataclasses import replace

    from core.catalogue.channel_forms import ChannelForm, ThemeForm, apply_channel, apply_theme
    from core.models import Channel, Theme

    maths = Channel(site_id=site.id, slug="maths", title="Mathématiques")
    maths.themes.append(Theme(slug="proba", title="Probabilités"))
    dbsession.add(maths)
    dbsession.flush()
    publish(site, people["prof"], "Séance 1", channels=[maths], themes=[maths.themes[0]])
    request = make_request(site, make_user(site, "boss", role="site-admin"))
    theme = maths.themes[0]
    apply_theme(request, maths, theme, replace(ThemeForm.from_theme(theme), title="Statistiques"))
    assert found(make_request, site, text="statistiques") == ["Séance 1"]
    form = replace(ChannelForm.from_channel(maths), title="Géométrie")
    apply_channel(request, maths, form, admin=True)
    assert found(make_request, site, text="geometrie") == ["Séance 1"]
    assert found(make_request, site, text="mathematiques") == []
    apply_channel(request, maths, replace(form, visibility="hidden"), admin=True)
    assert found(make_request, site, text="geometrie") == []


def test_the_database_pages_and_counts_unless_a_plugin_may_deny(
    site, people, publish, make_request, register_plugin, monkeypatch
):
    """No plugin answers amphi_permits: search_sql pages, counts and facets in SQL. With one that may
    deny, every match is checked in Python: both give the same answers, and a denial still counts."""
    from core.catalogue.search import plugins_may_deny
    from plugins.search_sql import query as search_sql_query

    for n in range(9):
        publish(
            site,
            people["prof"],
            f"Colloque {n}",
            language="fr" if n % 2 else "en",
            access=("public", "signed-in", "draft")[n % 3],
            date_recorded=date(2016 + n, 1, 1),
        )
    paths = []
    monkeypatch.setattr(
        search_sql_query,
        "search_in_sql",
        lambda *args, real=search_sql_query.search_in_sql: paths.append("sql") or real(*args),
    )

    def answers(user):
        results = []
        for query in ({"page": 1}, {"page": 2}, {"page": 5}, {"filters": {"language": ["fr"]}}):
            found = search(make_request(site, user), SearchQuery(text="colloque", sort="date", per_page=2, **query))
            results.append(
                (
                    [v.title for v in found.videos],
                    found.total,
                    found.pages,
                    {
                        facet: sorted((c.value, c.count) for c in counts)
                        for facet, counts in found.facets.items()
                        if facet in ("language", "year")
                    },
                )
            )
        return results

    viewers = (None, people["user"], people["prof"])
    in_sql = [answers(user) for user in viewers]
    assert not plugins_may_deny(make_request(site)) and len(paths) == 12
    first, second, beyond, french = in_sql[0]  # anonymous: the public ones, 0, 3 and 6
    assert first == (
        ["Colloque 6", "Colloque 3"],
        3,
        2,
        {"language": [("en", 2), ("fr", 1)], "year": [("2016", 1), ("2019", 1), ("2022", 1)]},
    )
    assert second[:3] == (["Colloque 0"], 3, 2) and beyond[:2] == ([], 3)
    assert french[:2] == (["Colloque 3"], 1) and french[3]["language"] == [("en", 2), ("fr", 1)]
    assert [total for _titles, total, _pages, _facets in (run[0] for run in in_sql)] == [3, 6, 9]

    class Neutral:
        @hookimpl
        def amphi_permits(self, request, video, permission):
            return None

    register_plugin(Neutral(), "neutral")
    site.enabled_plugins = sorted([*site.enabled_plugins, "neutral"])
    paths.clear()
    assert plugins_may_deny(make_request(site))
    assert [answers(user) for user in viewers] == in_sql and paths == []  # checked one by one, same answers

    class Embargo:
        @hookimpl
        def amphi_permits(self, request, video, permission):
            return False if video.title == "Colloque 3" else None

    register_plugin(Embargo(), "embargo")
    site.enabled_plugins = sorted([*site.enabled_plugins, "embargo"])
    first = answers(None)[0]
    assert first == (["Colloque 6", "Colloque 0"], 2, 1, {"language": [("en", 2)], "year": [("2016", 1), ("2022", 1)]})


def test_a_plugin_that_never_denies_keeps_searches_in_the_database(site, make_request, register_plugin):
    from core import hookimpl
    from core.catalogue.search import plugins_may_deny

    class Grants:
        """Lets someone watch a video, never hides one (like plugin_recorder's pending recordings)."""

        AMPHI_PERMITS_NEVER_DENIES = True

        @hookimpl
        def amphi_permits(self, request, video, permission):
            return None

    class MayDeny:
        @hookimpl
        def amphi_permits(self, request, video, permission):
            return None

    enabled = list(site.enabled_plugins)
    site.enabled_plugins = enabled + ["grants-only"]
    register_plugin(Grants(), "grants-only")
    assert not plugins_may_deny(make_request(site))
    register_plugin(MayDeny(), "may-deny")
    site.enabled_plugins = enabled + ["grants-only", "may-deny"]
    assert plugins_may_deny(make_request(site))

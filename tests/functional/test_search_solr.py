"""search_solr against a fake Solr on loopback (tests.fake_solr) that answers as Solr documents its JSON.

What every search backend does is proved by the contract suite (plugins/search_solr/tests); these
tests check what Solr is sent and what only this plugin does.
"""

import fnmatch
import json
import os
import re
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from core.catalogue.search import SearchQuery, search, search_document, suggest
from core.catalogue.videos import delete_video
from core.ingest import create_video
from core.models import Site, User, Video
from core.platform.plugins import fire
from core.platform.tasks import huey, worker_request
from core.testing import AmphiTestApp, temporary_database, write_ini
from plugins.search_solr import index as solr_index
from plugins.search_solr.client import READ_FIELDS, solr_document
from plugins.search_solr.query import QUERY_FIELDS
from plugins.search_solr.tasks import RETRIES, forget_video_task, index_video_task
from tests.searching import found

SCHEMA = Path(__file__).parents[2] / "etc" / "solr" / "schema.json"


@pytest.fixture
def site(solr_site):
    return solr_site()


@pytest.fixture
def publish(publish, make_request):
    """The shared ``publish``, then what the index task does after a commit, done in the test's transaction
    (which never commits: the event alone would index nothing; the tests below the events commit for real)."""

    def publish_and_index(site, owner, title, **fields):
        video = publish(site, owner, title, **fields)
        solr_index.index_video(make_request(site), video.id)
        return video

    return publish_and_index


@pytest.fixture
def prof(site, make_user):
    return make_user(site, "prof", role="staff", display_name="Marie Curie")


def counts(results) -> dict:
    return {facet: {c.value: c.count for c in values} for facet, values in results.facets.items()}


def test_indexes_the_search_document_and_sends_the_documented_parameters(site, prof, publish, make_request, solr):
    video = publish(
        site,
        prof,
        "Introduction à la radioactivité",
        description="Le polonium",
        language="fr",
        duration=90,
        date_recorded=date(2024, 5, 2),
    )
    [update] = solr.updates
    [doc] = update["add"]
    assert update["params"] == {"commitWithin": "1000"}
    assert doc["id"] == str(video.id) and doc["video_id"] == video.id and doc["site_id"] == site.id
    assert doc["title_fr"] == doc["title"] == "Introduction à la radioactivité" and "polonium" in doc["body_fr"]
    assert "Marie Curie" in doc["body_fr"] and doc["title_general"] == doc["title"] and "title_en" not in doc
    assert doc["facet_language"] == ["fr|fr"] and doc["facet_duration"] == ["short|short"]
    assert doc["sort_date"] == "2024-05-02T00:00:00Z" and doc["year"] == 2024 and doc["duration"] == 90.0
    assert found(make_request, site, text="polonium radium*") == []
    select = solr.selects[-1]
    assert select["q"] == '"polonium" "radium"' and select["defType"] == "edismax" and select["mm"] == "100%"
    assert select["qf"] == QUERY_FIELDS and "title_fr^10" in select["qf"] and "body_fr" in select["qf"]
    assert select["fq"] == [f"site_id:{site.id}"] and select["fl"] == "video_id,score,sort_date,facet_*"
    assert select["sort"] == "score desc,sort_date desc,video_id desc" and select["rows"] == "10000"
    assert found(make_request, site, text="polonium") == ["Introduction à la radioactivité"]
    found(make_request, site, min_duration=60, year_from=2020, sort="date")
    assert solr.selects[-1]["fq"][1:] == ["duration:[60.0 TO *]", "year:[2020 TO *]"]
    assert solr.selects[-1]["q"] == "*:*" and solr.selects[-1]["sort"] == "sort_date desc,video_id desc"


def test_public_channels_are_written_as_a_facet_and_body_words(site, prof, publish, solr, dbsession):
    from core.models import Channel

    maths = Channel(site_id=site.id, slug="maths", title="Mathématiques")
    hidden = Channel(site_id=site.id, slug="jury", title="Jury", visibility="hidden")
    dbsession.add_all([maths, hidden])
    dbsession.flush()
    publish(site, prof, "Cours A", channels=[maths, hidden])
    doc = solr.updates[0]["add"][0]
    assert doc["facet_channel"] == ["maths|Mathématiques"] and "Mathématiques" in doc["body_general"]
    assert "Jury" not in doc["body_general"]


def test_access_rules_apply_even_when_solr_returns_everything(
    site, prof, publish, make_request, make_site, make_user, solr, solr_site, dbsession
):
    from core.models import Group

    group = Group(site_id=site.id, name="l3", title="L3")
    member = make_user(site, "member")
    member.groups.append(group)
    dbsession.add(group)
    publish(site, prof, "Atelier public", language="fr")
    publish(site, prof, "Atelier brouillon", language="de", access="draft")
    grouped = publish(site, prof, "Atelier du groupe", language="it", access="groups")
    grouped.allowed_groups.append(group)
    publish(site, prof, "Atelier inscrits", language="es", access="signed-in")
    other = solr_site("b")  # the same core, shared
    publish(other, make_user(other, "prof", role="staff"), "Atelier de l'autre site", language="fr")
    dbsession.flush()
    solr.leak = True  # the core ignores every fq: Amphi alone must keep hidden videos out

    def seen(user):
        results = search(make_request(site, user), SearchQuery(text="atelier", sort="date"))
        return sorted(v.title for v in results.videos), results.total, counts(results).get("language", {})

    assert seen(None) == (["Atelier public"], 1, {"fr": 1})
    assert seen(member) == (["Atelier du groupe", "Atelier inscrits", "Atelier public"], 3, {"fr": 1, "es": 1, "it": 1})
    assert "Atelier brouillon" in seen(prof)[0]
    assert suggest(make_request(site), "atel") == ["Atelier public"]
    assert {doc["site_id"] for doc in solr.docs.values()} == {site.id, other.id}


def test_access_and_solr_mode_sends_the_visible_ids(site, prof, publish, make_request, solr):
    public = publish(site, prof, "Cours public")
    publish(site, prof, "Cours brouillon", access="draft")
    site.plugin_settings = {"search_solr": {"url": solr.url, "access_filter": "amphi_and_solr"}}
    assert found(make_request, site, text="cours") == ["Cours public"]
    assert solr.selects[-1]["fq"] == [f"site_id:{site.id}", "{!terms f=video_id}" + str(public.id)]


@pytest.fixture
def committed_solr_site(committed_site, solr):
    """The committed site of ``committed_site`` searched with search_solr on the fake core: ``(site_id, user_id)``."""
    site_id, user_id = committed_site
    point_at(site_id, solr.url)
    return site_id, user_id


def point_at(site_id: int, url: str) -> None:
    with worker_request() as request:
        site = request.dbsession.get(Site, site_id)
        site.enabled_plugins = sorted({*site.enabled_plugins, "search_solr"} - {"search_sql"})
        site.plugin_settings = {"search_solr": {"url": url}}


def a_closed_url() -> str:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/solr/amphi"


def change(site_id: int, video_id: int, **fields) -> None:
    """Change a video and fire its event, as the pages do, in a transaction that commits."""
    with worker_request(site_id) as request:
        video = request.dbsession.get(Video, video_id)
        for name, value in fields.items():
            setattr(video, name, value)
        if fields.get("status") == "ready":
            fire(request, "amphi_video_ready", video_id=video_id)
        else:
            fire(request, "amphi_video_changed", video=video)


def test_the_index_follows_the_committed_video_events(committed_solr_site, solr):
    site_id, user_id = committed_solr_site
    with worker_request(site_id) as request:
        video_id = create_video(
            request, request.dbsession.get(User, user_id), "Mécanique quantique", access="public"
        ).id
        fire(request, "amphi_video_changed", video=request.dbsession.get(Video, video_id))
        assert solr.updates == []  # nothing leaves before the commit
    assert solr.docs == {} and solr.updates[0]["delete"] == [f"id:{video_id} AND site_id:{site_id}"]  # not ready
    change(site_id, video_id, status="ready")
    assert solr.docs[str(video_id)]["title"] == "Mécanique quantique"
    change(site_id, video_id, title="Mécanique des fluides")
    assert solr.docs[str(video_id)]["title"] == "Mécanique des fluides"
    with worker_request(site_id) as request:
        delete_video(request, request.dbsession.get(Video, video_id))
        assert str(video_id) in solr.docs
    assert solr.docs == {} and solr.updates[-1] == {"params": {"softCommit": "true"}, "commit": []}


def test_a_rolled_back_edit_never_reaches_solr(committed_solr_site, solr):
    site_id, user_id = committed_solr_site
    with worker_request(site_id) as request:
        video_id = create_video(
            request, request.dbsession.get(User, user_id), "Optique", access="public", status="ready"
        ).id
    change(site_id, video_id, status="ready")
    sent = len(solr.updates)
    with pytest.raises(RuntimeError), worker_request(site_id) as request:
        video = request.dbsession.get(Video, video_id)
        video.title = "Optique ondulatoire"
        fire(request, "amphi_video_changed", video=video)
        raise RuntimeError("the edit fails after its event")
    assert len(solr.updates) == sent and solr.docs[str(video_id)]["title"] == "Optique"
    with pytest.raises(RuntimeError), worker_request(site_id) as request:
        delete_video(request, request.dbsession.get(Video, video_id))
        raise RuntimeError("the deletion fails after its event")
    assert len(solr.updates) == sent and str(video_id) in solr.docs


def test_a_down_solr_leaves_the_edit_page_working_and_the_task_catches_up(app, committed_solr_site, solr, caplog):
    site_id, user_id = committed_solr_site
    with worker_request(site_id) as request:
        video_id = create_video(
            request, request.dbsession.get(User, user_id), "Acoustique", access="public", status="ready"
        ).id
        domain = request.site.domains[0].domain
    point_at(site_id, a_closed_url())
    browser = AmphiTestApp(app, extra_environ={"HTTP_HOST": domain, "REMOTE_ADDR": "192.0.2.12"})
    browser.sign_in("owner", "owner password 1")
    form = browser.get(f"/videos/{video_id}/edit").forms["video-edit"]
    form["title"] = "Acoustique musicale"
    saved = form.submit(status=302).follow(status=200)  # committed: the task ran and failed after the commit
    assert "Acoustique musicale" in saved.text and "not indexed" in caplog.text
    with worker_request() as request:
        assert request.dbsession.get(Video, video_id).title == "Acoustique musicale"
    assert solr.updates == []
    retry = [task for task in huey.scheduled() if isinstance(task, index_video_task.task_class)]
    assert [(task.args, task.retries) for task in retry] == [((site_id, video_id), RETRIES - 1)]
    huey.storage.flush_schedule()
    point_at(site_id, solr.url)  # Solr is back: the task's next try writes what was committed
    index_video_task.call_local(*retry[0].args)
    assert solr.docs[str(video_id)]["title"] == "Acoustique musicale"


def test_reindex_replaces_the_sites_documents_in_batches(site, prof, publish, make_request, solr, monkeypatch):
    from plugins.search_solr import index

    monkeypatch.setattr(index, "BATCH", 2)
    for n in range(3):
        publish(site, prof, f"Optique {n}")
    solr.docs["999999"] = {"id": "999999", "video_id": 999999, "site_id": site.id, "title": "gone"}
    prof.display_name = "Marie Skłodowska-Curie"  # no video event for this
    solr.updates.clear()
    request = make_request(site)
    assert request.hooks.amphi_search_reindex(request=request) == [3]
    assert [next(iter(u.keys() - {"params"})) for u in solr.updates] == ["delete", "add", "add", "commit"]
    assert solr.updates[0]["delete"] == [f"site_id:{site.id}"] and len(solr.updates[1]["add"]) == 2
    assert "999999" not in solr.docs and len(found(make_request, site, text="Skłodowska")) == 3


def test_solr_down_gives_a_clear_message_not_an_error(solr_site, make_testapp):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/solr/amphi"
    solr_site("down", url=closed)
    page = make_testapp("down.test").get("/search", {"q": "cours"}, status=200)
    assert "Search is unavailable for the moment; please try again later." in page.text
    french = make_testapp("down.test").get("/search", {"q": "cours", "_LOCALE_": "fr"}, status=200)
    assert "La recherche est indisponible pour le moment" in french.text
    assert make_testapp("down.test").get("/api/search/suggest", {"q": "cours"}).json == {"suggestions": []}


def queued(tm) -> list[tuple]:
    """The index tasks the test's transaction would send if it committed: ``[(task, site id, video id)]``."""
    return [
        args
        for _hook, args, _kws in tm.get().getAfterCommitHooks()
        if args and args[0] in (index_video_task, forget_video_task)
    ]


def test_the_plugin_is_silent_without_a_url_or_where_disabled(
    site, make_site, solr, make_user, make_video, make_request, app, tm
):
    indexed = make_video(site, make_user(site, "prof", role="staff"), "Cours indexé", access="public", status="ready")
    fire(make_request(site), "amphi_video_ready", video_id=indexed.id)
    assert queued(tm) == [(index_video_task, site.id, indexed.id)]  # the control: a site with a core
    both = make_site("both")  # every plugin, search_solr without a URL: search_sql answers
    video = make_video(both, make_user(both, "prof", role="staff"), "Cours partagé", access="public")
    video.status = "ready"
    fire(make_request(both), "amphi_video_ready", video_id=video.id)
    assert found(make_request, both, text="partage") == ["Cours partagé"] and solr.updates == []
    fire(make_request(both), "amphi_video_deleted", video=video)
    plugins = [name for name in app.registry.plugins.infos if name not in ("search_sql", "search_solr")]
    bare = make_site("bare", plugins=plugins)
    bare.plugin_settings = {"search_solr": {"url": solr.url}}
    other = make_video(bare, make_user(bare, "prof", role="staff"), "Cours caché", access="public")
    other.status = "ready"
    fire(make_request(bare), "amphi_video_ready", video_id=other.id)
    assert queued(tm) == [(index_video_task, site.id, indexed.id)]
    assert solr.updates == [] and search(make_request(bare), SearchQuery(text="cours")) is None


def test_hostile_queries_reach_solr_as_quoted_words(site, prof, publish, testapp, solr):
    publish(site, prof, "Cours spécial")
    for text in ['"', "title:x OR *:*", "{!terms f=id}1", "AND", "(((", "🎓", "cours\\"]:
        assert re.search(r"\d+ videos? found\.", testapp.get("/search", {"q": text}, status=200).text)
        assert testapp.get("/api/search/suggest", {"q": text}).json["suggestions"] is not None
    assert {s["q"] for s in solr.selects if s.get("defType")} <= {
        '"title" "x" "OR"',
        '"terms" "f" "id" "1"',
        '"AND"',
        '"cours"',
    }


def test_the_schema_declares_every_field_the_plugin_writes_or_reads(site, prof, publish, make_request):
    schema = json.loads(SCHEMA.read_text())
    types = {t["name"] for t in schema["add-field-type"]}
    fields = {f["name"]: f for f in schema["add-field"]}
    dynamic = [f["name"] for f in schema["add-dynamic-field"]]
    assert {f["type"] for f in fields.values()} - types <= {"pint", "pfloat", "pdate", "string"}
    french = next(t for t in schema["add-field-type"] if t["name"] == "amphi_text_fr")["analyzer"]["filters"]
    assert {"solr.FrenchLightStemFilterFactory", "solr.ASCIIFoldingFilterFactory"} <= {f["class"] for f in french}
    assert any(
        f["class"] == "solr.EdgeNGramFilterFactory"
        for f in next(t for t in schema["add-field-type"] if t["name"] == "amphi_prefix")["indexAnalyzer"]["filters"]
    )

    def declared(name):
        return name in fields or any(fnmatch.fnmatch(name, pattern) for pattern in dynamic)

    written = set()
    for language in ("fr", "en", "de"):
        video = publish(site, prof, "Cours", language=language, duration=10)
        video.tags = []
        written |= set(solr_document(search_document(make_request(site), video)))
    assert {"title_fr", "title_en", "title_general", "facet_language"} <= written
    # id is the default configset's uniqueKey; score is Solr's pseudo-field.
    assert sorted(name for name in (written | set(READ_FIELDS)) - {"id", "score"} if not declared(name)) == []
    assert fields["site_id"]["required"] and fields["video_id"]["required"] and fields["title"]["stored"]


def test_reindex_command(tmp_path, solr):
    with temporary_database(tmp_path) as url:
        ini = write_ini(tmp_path, url)
        env = {**os.environ, "AMPHI_SEARCH_SOLR__URL": solr.url}

        def amphi(*args):
            result = subprocess.run(
                [sys.executable, "-m", "core.cli", "-c", str(ini), *args],
                capture_output=True,
                text=True,
                timeout=120,
                env=env,
            )
            assert result.returncode == 0, result.stderr
            return result.stdout

        amphi("init")
        assert amphi("search", "reindex", "default").strip() == "default: 0 videos indexed"
        assert [next(iter(u.keys() - {"params"})) for u in solr.updates] == ["delete", "commit"]
        env["AMPHI_SEARCH_SOLR__URL"] = "http://127.0.0.1:9/solr/amphi"  # nobody listens there
        down = subprocess.run(
            [sys.executable, "-m", "core.cli", "-c", str(ini), "search", "reindex"],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        last_line = down.stderr.strip().splitlines()[-1]  # pysolr logs its own traceback above
        assert down.returncode == 1 and last_line.startswith("amphi: error: search_solr: site default not reindexed")

"""search_solr against a fake Solr on loopback that answers as Solr documents its JSON; a live test too.

The fake keeps the documents pysolr posts to ``/update`` and answers ``/select``
with ``responseHeader`` and ``response.numFound/docs``, applying the filters the
plugin sends (or, with ``leak``, ignoring them, as a misconfigured core would).
"""

import fnmatch
import json
import os
import re
import subprocess
import sys
import threading
import uuid
import xml.etree.ElementTree as ElementTree
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from core import hookimpl
from core.contracts import SearchContract
from core.search import SearchQuery, fold_accents, search, search_document, suggest
from core.testing import temporary_database, write_ini
from plugins.search_solr.client import READ_FIELDS, solr_document
from plugins.search_solr.query import QUERY_FIELDS
from tests.searching import found

SCHEMA = Path(__file__).parents[2] / "etc" / "solr" / "schema.json"


def tokens(value) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [t for v in values for t in re.split(r"\W+", fold_accents(str(v)).lower()) if t]


class FakeSolr:
    """A WSGI app with Solr's URLs: ``<core>/update/`` (JSON docs, XML delete/commit) and ``<core>/select/``."""

    def __init__(self):
        self.docs: dict[str, dict] = {}
        self.updates: list[dict] = []
        self.selects: list[dict] = []
        self.leak = False

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        params = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            for key, values in parse_qs(body.decode(), keep_blank_values=True).items():
                params.setdefault(key, []).extend(values)
            body = b""
        if environ["PATH_INFO"].endswith("/update/"):
            answer = self.update(params, body, environ.get("CONTENT_TYPE", ""))
        elif environ["PATH_INFO"].endswith("/select/"):
            answer = self.select(params)
        else:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        start_response("200 OK", [("Content-Type", "application/json;charset=utf-8")])
        return [json.dumps(answer).encode()]

    def update(self, params, body: bytes, content_type: str) -> dict:
        record = {"params": {k: v[0] for k, v in params.items()}}
        if content_type.startswith("application/json"):
            record["add"] = json.loads(body)
            for doc in record["add"]:
                self.docs[doc["id"]] = doc
        else:
            root = ElementTree.fromstring(body)
            record[root.tag] = [child.text for child in root]
            for query in (root.findall("query") if root.tag == "delete" else []):
                for key in [k for k, doc in self.docs.items() if self.matches_clauses(doc, query.text)]:
                    del self.docs[key]
        self.updates.append(record)
        return {"responseHeader": {"status": 0, "QTime": 1}}

    @staticmethod
    def matches_clauses(doc, query: str) -> bool:
        """``id:12 AND site_id:3``: the only delete queries the plugin sends."""
        return all(str(doc.get(field)) == value for field, value in re.findall(r"(\w+):(\S+)", query))

    def select(self, params) -> dict:
        one = {k: v[0] for k, v in params.items()}
        self.selects.append({**one, "fq": params.get("fq", [])})
        docs = list(self.docs.values())
        if not self.leak:
            for fq in params.get("fq", []):
                docs = [doc for doc in docs if self.passes(doc, fq)]
        scored = [(doc, self.score(doc, one)) for doc in docs]
        scored = [(doc, score) for doc, score in scored if score]
        for key, direction in reversed([part.split() for part in one.get("sort", "score desc").split(",")]):
            scored.sort(key=lambda pair, key=key: pair[1] if key == "score" else pair[0].get(key),
                        reverse=direction == "desc")
        fields = one.get("fl", "*").split(",")
        found = [{name: value for name, value in {**doc, "score": score}.items()
                  if any(fnmatch.fnmatch(name, pattern) for pattern in fields)}
                 for doc, score in scored[:int(one.get("rows", 10))]]
        return {"responseHeader": {"status": 0, "QTime": 2, "params": {**one, "wt": "json"}},
                "response": {"numFound": len(scored), "start": 0, "numFoundExact": True, "docs": found}}

    @staticmethod
    def passes(doc, fq: str) -> bool:
        if match := re.fullmatch(r"site_id:(\d+)", fq):
            return doc["site_id"] == int(match.group(1))
        if match := re.fullmatch(r"(duration|year):\[(\S+) TO (\S+)\]", fq):
            value = doc.get(match.group(1))
            low, high = (None if bound == "*" else float(bound) for bound in match.group(2, 3))
            return value is not None and (low is None or value >= low) and (high is None or value <= high)
        if match := re.fullmatch(r"\{!terms f=video_id\}(.*)", fq):
            return str(doc["video_id"]) in match.group(1).split(",")
        raise AssertionError(f"unexpected fq {fq!r}")

    @staticmethod
    def score(doc, params) -> float:
        q = params["q"]
        if q == "*:*":
            return 1.0
        if params.get("defType") == "edismax":  # every quoted word in one of the qf fields, boosts added
            boosts = [(f.split("^")[0], float(f.split("^")[1]) if "^" in f else 1.0) for f in params["qf"].split()]
            total = 0.0
            for word in re.findall(r'"([^"]*)"', q):
                hits = [boost for field, boost in boosts if fold_accents(word).lower() in tokens(doc.get(field, ""))]
                if not hits:
                    return 0.0
                total += max(hits)
            return total
        for field, clause in re.findall(r"(\w+):\(([^)]*)\)", q):  # title_prefix:(+"a" +"b") OR ...
            words = [fold_accents(w).lower() for w in re.findall(r'"([^"]*)"', clause)]
            if all(any(t.startswith(w) for t in tokens(doc.get(field, ""))) for w in words):
                return 1.0
        return 0.0


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def solr():
    fake = FakeSolr()
    server = make_server("127.0.0.1", 0, fake, handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_port}/solr/amphi"
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def solr_site(app, make_site, solr):
    """``solr_site(slug)``: a site with search_solr (not search_sql) on the fake core."""

    def make(slug: str = "a", url: str | None = None):
        plugins = [name for name in app.registry.plugins.infos if name != "search_sql"]
        site = make_site(slug, plugins=plugins)
        site.plugin_settings = {"search_solr": {"url": url or solr.url}}
        return site

    return make


@pytest.fixture
def site(solr_site):
    return solr_site()


@pytest.fixture
def prof(site, make_user):
    return make_user(site, "prof", role="staff", display_name="Marie Curie")


def counts(results) -> dict:
    return {facet: {c.value: c.count for c in values} for facet, values in results.facets.items()}


def test_indexes_the_search_document_and_sends_the_documented_parameters(site, prof, publish, make_request, solr):
    video = publish(site, prof, "Introduction à la radioactivité", description="Le polonium", language="fr",
                    duration=90, date_recorded=date(2024, 5, 2))
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


def test_finds_ranks_sorts_and_pages(site, prof, publish, make_request, make_user):
    publish(site, prof, "Chimie organique", description="On parle de thermodynamique ici")
    publish(site, prof, "Thermodynamique", description="Premier principe")
    publish(site, make_user(site, "other", role="staff", display_name="Paul Langevin"), "Magnétisme")
    assert found(make_request, site, text="thermodynamique") == ["Thermodynamique", "Chimie organique"]
    assert found(make_request, site, text="Langevin") == ["Magnétisme"]
    assert found(make_request, site, text="magnetisme Curie") == []
    for year in (2021, 2024, 2022, 2023):
        publish(site, prof, f"Séminaire {year}", date_recorded=date(year, 3, 1))
    assert found(make_request, site, text="séminaire", sort="date") == [
        "Séminaire 2024", "Séminaire 2023", "Séminaire 2022", "Séminaire 2021"]
    second = search(make_request(site), SearchQuery(text="seminaire", sort="date", per_page=3, page=2))
    assert (second.total, second.pages, [v.title for v in second.videos]) == (4, 2, ["Séminaire 2021"])


def test_facets_count_and_filter(site, prof, publish, make_request):
    publish(site, prof, "Cours A", language="fr", duration=120, date_recorded=date(2024, 1, 1))
    publish(site, prof, "Cours B", language="fr", duration=1500, date_recorded=date(2025, 1, 1))
    publish(site, prof, "Cours C", language="en", duration=4000, date_recorded=date(2025, 6, 1))
    assert counts(search(make_request(site), SearchQuery(text="cours"))) == {
        "language": {"fr": 2, "en": 1}, "year": {"2024": 1, "2025": 2},
        "duration": {"short": 1, "long": 1, "very-long": 1}}
    filtered = search(make_request(site), SearchQuery(text="cours", filters={"language": ["fr"], "year": ["2025"]}))
    assert [v.title for v in filtered.videos] == ["Cours B"] and filtered.total == 1
    assert counts(filtered) == {"language": {"fr": 1, "en": 1}, "year": {"2024": 1, "2025": 1},
                                "duration": {"long": 1}}
    assert found(make_request, site, filters={"duration": ["short", "very-long"]}, sort="date") == ["Cours C", "Cours A"]


def test_public_channels_are_a_facet_and_searched_words(site, prof, publish, make_request, solr, dbsession):
    from core.models import Channel

    maths = Channel(site_id=site.id, slug="maths", title="Mathématiques")
    hidden = Channel(site_id=site.id, slug="jury", title="Jury", visibility="hidden")
    dbsession.add_all([maths, hidden])
    dbsession.flush()
    publish(site, prof, "Cours A", channels=[maths, hidden])
    publish(site, prof, "Cours B")
    doc = solr.updates[0]["add"][0]
    assert doc["facet_channel"] == ["maths|Mathématiques"] and "Mathématiques" in doc["body_general"]
    assert "Jury" not in doc["body_general"]
    assert counts(search(make_request(site), SearchQuery(text="cours")))["channel"] == {"maths": 1}
    assert found(make_request, site, text="cours", filters={"channel": ["maths"]}) == ["Cours A"]


def test_plugins_contribute_text_and_facets_with_a_pipe_in_a_value(site, prof, publish, make_request,
                                                                    register_plugin):
    class Transcripts:
        @hookimpl
        def amphi_search_text(self, request, video):
            return {"transcript": "nous allons parler de la mitose"}

        @hookimpl
        def amphi_search_facets(self, request, video):
            return {"tag": [("biologie", "Biologie")], "channel": [("a|b", "Canal A|B")]}

    register_plugin(Transcripts(), "transcripts")
    site.enabled_plugins = sorted([*site.enabled_plugins, "transcripts"])
    publish(site, prof, "Séance 3")
    results = search(make_request(site), SearchQuery(text="mitose"))
    assert [v.title for v in results.videos] == ["Séance 3"]
    assert [(c.value, c.label, c.count) for c in results.facets["channel"]] == [("a|b", "Canal A|B", 1)]
    assert found(make_request, site, text="mitose", filters={"channel": ["a|b"]}) == ["Séance 3"]
    assert suggest(make_request(site), "bio") == ["Biologie"]


def test_access_rules_apply_even_when_solr_returns_everything(site, prof, publish, make_request, make_site,
                                                              make_user, solr, solr_site, dbsession):
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
    assert seen(member) == (["Atelier du groupe", "Atelier inscrits", "Atelier public"], 3,
                            {"fr": 1, "es": 1, "it": 1})
    assert "Atelier brouillon" in seen(prof)[0]
    assert suggest(make_request(site), "atel") == ["Atelier public"]
    assert {doc["site_id"] for doc in solr.docs.values()} == {site.id, other.id}


def test_a_plugin_denial_hides_a_video_from_results_counts_and_suggestions(site, prof, publish, make_request,
                                                                            register_plugin):
    class Embargo:
        @hookimpl
        def amphi_permits(self, request, video, permission):
            return False if video.title.endswith("embargo") else None

    register_plugin(Embargo(), "embargo")
    site.enabled_plugins = sorted([*site.enabled_plugins, "embargo"])
    publish(site, prof, "Thèse sous embargo", language="fr")
    publish(site, prof, "Thèse publique", language="en")
    results = search(make_request(site), SearchQuery(text="these"))
    assert [v.title for v in results.videos] == ["Thèse publique"] and counts(results) == {
        "language": {"en": 1}, "year": {str(date.today().year): 1}}
    assert suggest(make_request(site), "thès") == ["Thèse publique"]


def test_access_and_solr_mode_sends_the_visible_ids(site, prof, publish, make_request, solr):
    public = publish(site, prof, "Cours public")
    publish(site, prof, "Cours brouillon", access="draft")
    site.plugin_settings = {"search_solr": {"url": solr.url, "access_filter": "amphi_and_solr"}}
    assert found(make_request, site, text="cours") == ["Cours public"]
    assert solr.selects[-1]["fq"] == [f"site_id:{site.id}", "{!terms f=video_id}" + str(public.id)]


def test_index_follows_the_video_events(site, prof, make_video, make_request, dbsession, solr):
    video = make_video(site, prof, "Mécanique quantique", access="public")
    request = make_request(site)
    request.hooks.amphi_video_changed(request=request, video=video)  # not ready: removed, never added
    assert solr.docs == {} and solr.updates[0]["delete"] == [f"id:{video.id} AND site_id:{site.id}"]
    video.status = "ready"
    request.hooks.amphi_video_ready(request=request, video_id=video.id)
    assert found(make_request, site, text="quantique") == ["Mécanique quantique"]
    video.title = "Mécanique des fluides"
    request.hooks.amphi_video_changed(request=request, video=video)
    assert found(make_request, site, text="quantique") == [] and solr.docs[str(video.id)]["title"].endswith("fluides")
    request.hooks.amphi_video_deleted(request=request, video=video)
    assert solr.docs == {} and solr.updates[-1] == {"params": {"softCommit": "true"}, "commit": []}


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


def test_a_video_event_survives_solr_being_down(solr_site, make_user, make_video, make_request, caplog):
    down = solr_site("down2", url="http://127.0.0.1:9/solr/amphi")
    video = make_video(down, make_user(down, "prof", role="staff"), "Cours", access="public", status="ready")
    request = make_request(down)
    request.hooks.amphi_video_ready(request=request, video_id=video.id)
    assert "not indexed" in caplog.text


def test_the_plugin_is_silent_without_a_url_or_where_disabled(make_site, solr, make_user, make_video,
                                                              make_request, app):
    both = make_site("both")  # every plugin, search_solr without a URL: search_sql answers
    video = make_video(both, make_user(both, "prof", role="staff"), "Cours partagé", access="public")
    video.status = "ready"
    make_request(both).hooks.amphi_video_ready(request=make_request(both), video_id=video.id)
    assert found(make_request, both, text="partage") == ["Cours partagé"] and solr.updates == []
    plugins = [name for name in app.registry.plugins.infos if name not in ("search_sql", "search_solr")]
    bare = make_site("bare", plugins=plugins)
    bare.plugin_settings = {"search_solr": {"url": solr.url}}
    other = make_video(bare, make_user(bare, "prof", role="staff"), "Cours caché", access="public")
    other.status = "ready"
    make_request(bare).hooks.amphi_video_ready(request=make_request(bare), video_id=other.id)
    assert solr.updates == [] and search(make_request(bare), SearchQuery(text="cours")) is None


def test_hostile_queries_reach_solr_as_quoted_words(site, prof, publish, testapp, solr):
    publish(site, prof, "Cours spécial")
    for text in ['"', "title:x OR *:*", "{!terms f=id}1", "AND", "(((", "🎓", "cours\\"]:
        assert re.search(r"\d+ videos? found\.", testapp.get("/search", {"q": text}, status=200).text)
        assert testapp.get("/api/search/suggest", {"q": text}).json["suggestions"] is not None
    assert {s["q"] for s in solr.selects if s.get("defType")} <= {'"title" "x" "OR"', '"terms" "f" "id" "1"',
                                                                   '"AND"', '"cours"'}


def test_the_search_page_with_facets(testapp, site, prof, publish):
    for n in range(3):
        publish(site, prof, f"Conférence {n}", language="fr" if n % 2 else "en")
    page = testapp.get("/search", {"q": "conférence"})
    assert "3 videos found." in page.text and 'name="language" value="fr"' in page.text and "(2)" in page.text


def test_the_schema_declares_every_field_the_plugin_writes_or_reads(site, prof, publish, make_request):
    schema = json.loads(SCHEMA.read_text())
    types = {t["name"] for t in schema["add-field-type"]}
    fields = {f["name"]: f for f in schema["add-field"]}
    dynamic = [f["name"] for f in schema["add-dynamic-field"]]
    assert {f["type"] for f in fields.values()} - types <= {"pint", "pfloat", "pdate", "string"}
    french = next(t for t in schema["add-field-type"] if t["name"] == "amphi_text_fr")["analyzer"]["filters"]
    assert {"solr.FrenchLightStemFilterFactory", "solr.ASCIIFoldingFilterFactory"} <= {f["class"] for f in french}
    assert any(f["class"] == "solr.EdgeNGramFilterFactory"
               for f in next(t for t in schema["add-field-type"] if t["name"] == "amphi_prefix")
               ["indexAnalyzer"]["filters"])

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
            result = subprocess.run([sys.executable, "-m", "core.cli", "-c", str(ini), *args],
                                    capture_output=True, text=True, timeout=120, env=env)
            assert result.returncode == 0, result.stderr
            return result.stdout

        amphi("init")
        assert amphi("search", "reindex", "default").strip() == "default: 0 videos indexed"
        assert [next(iter(u.keys() - {"params"})) for u in solr.updates] == ["delete", "commit"]
        env["AMPHI_SEARCH_SOLR__URL"] = "http://127.0.0.1:9/solr/amphi"  # nobody listens there
        down = subprocess.run([sys.executable, "-m", "core.cli", "-c", str(ini), "search", "reindex"],
                              capture_output=True, text=True, timeout=120, env=env)
        last_line = down.stderr.strip().splitlines()[-1]  # pysolr logs its own traceback above
        assert down.returncode == 1 and last_line.startswith("amphi: error: search_solr: site default not reindexed")


@pytest.mark.skipif(not os.environ.get("AMPHI_TEST_SOLR_URL"), reason="AMPHI_TEST_SOLR_URL is not set")
def test_live_solr_indexes_two_videos_and_finds_one(solr_site, make_user, make_video, make_request):
    import time

    import pysolr

    live = solr_site("live" + uuid.uuid4().hex[:6], url=os.environ["AMPHI_TEST_SOLR_URL"])
    owner = make_user(live, "prof", role="staff")
    word = "zyx" + uuid.uuid4().hex[:8]
    for title in (f"Cours {word} de physique", "Cours de chimie"):
        video = make_video(live, owner, title, access="public", language="fr")
        video.status = "ready"
    request = make_request(live)
    try:
        assert request.hooks.amphi_search_reindex(request=request) == [2]
        deadline = time.monotonic() + 10
        while not (titles := found(make_request, live, text=word)) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert titles == [f"Cours {word} de physique"]
    finally:
        pysolr.Solr(os.environ["AMPHI_TEST_SOLR_URL"]).delete(q=f"site_id:{live.id}", commit=True)


class TestSearchSolrContract(SearchContract):
    @pytest.fixture
    def search_site(self, site):
        return site

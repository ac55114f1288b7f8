"""A fake Solr on loopback that answers as Solr documents its JSON, for search_solr's tests.

The fake keeps the documents pysolr posts to ``/update`` and answers ``/select``
with ``responseHeader`` and ``response.numFound/docs``, applying the filters the
plugin sends (or, with ``leak``, ignoring them, as a misconfigured core would).
"""

import fnmatch
import json
import re
import threading
import xml.etree.ElementTree as ElementTree
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from core.catalogue.search import fold_accents


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
            for query in root.findall("query") if root.tag == "delete" else []:
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
            scored.sort(
                key=lambda pair, key=key: pair[1] if key == "score" else pair[0].get(key), reverse=direction == "desc"
            )
        fields = one.get("fl", "*").split(",")
        found = [
            {
                name: value
                for name, value in {**doc, "score": score}.items()
                if any(fnmatch.fnmatch(name, pattern) for pattern in fields)
            }
            for doc, score in scored[: int(one.get("rows", 10))]
        ]
        return {
            "responseHeader": {"status": 0, "QTime": 2, "params": {**one, "wt": "json"}},
            "response": {"numFound": len(scored), "start": 0, "numFoundExact": True, "docs": found},
        }

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

"""The site's Solr core (pysolr) and the document Amphi writes into it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pysolr

NAME = "search_solr"
#: The text fields of a video's language; any other language goes to the ``general`` ones.
LANGUAGES = ("fr", "en")
TEXT_SUFFIXES = (*LANGUAGES, "general")
TITLE_BOOST = 10
#: Fields a query reads (besides ``facet_*``); etc/solr/schema.json declares each.
READ_FIELDS = (
    "id",
    "site_id",
    "video_id",
    "title",
    "sort_date",
    "duration",
    "year",
    "language",
    "score",
    "title_prefix",
    "tag_prefix",
    *(f"{kind}_{suffix}" for kind in ("title", "body") for suffix in TEXT_SUFFIXES),
)
ESCAPED = re.compile(r"((?:[^|\\]|\\.)*)\|(.*)", re.S)


def solr_settings(request) -> dict:
    return request.plugin_settings(NAME)


def connection(request) -> pysolr.Solr | None:
    """The site's core, or None when no URL is set (the plugin is off there)."""
    settings = solr_settings(request)
    url = settings["url"].strip().rstrip("/")
    if not url:
        return None
    return pysolr.Solr(url, timeout=settings["timeout"], always_commit=False)


def text_suffix(language: str) -> str:
    code = (language or "").split("-")[0].lower()
    return code if code in LANGUAGES else "general"


def solr_date(value: datetime) -> str:
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def facet_entry(value: str, label: str) -> str:
    """``value|label``, a ``|`` or ``\\`` of the value escaped with ``\\``."""
    return value.replace("\\", "\\\\").replace("|", "\\|") + "|" + label


def parse_facet_entry(entry: str) -> tuple[str, str] | None:
    match = ESCAPED.fullmatch(str(entry))
    if match is None:
        return None
    value = re.sub(r"\\(.)", r"\1", match.group(1))
    return value, match.group(2) or value


def solr_document(document: dict) -> dict:
    """A :func:`core.catalogue.search.search_document` as the Solr document Amphi indexes."""
    suffix = text_suffix(document["language"])
    body = "\n".join(value for value in document["text"].values() if value)
    solr_doc = {
        "id": str(document["video_id"]),
        "video_id": document["video_id"],
        "site_id": document["site_id"],
        "language": document["language"],
        "year": document["year"],
        "sort_date": solr_date(document["date"]),
        "title": document["title"],
        "title_prefix": document["title"],
        # The words as they are, always: a language's stop words ("de") never make a query miss.
        "title_general": document["title"],
        "body_general": body,
    }
    if suffix != "general":
        solr_doc[f"title_{suffix}"], solr_doc[f"body_{suffix}"] = document["title"], body
    if document["duration"] is not None:
        solr_doc["duration"] = float(document["duration"])
    for facet, pairs in document["facets"].items():
        solr_doc[f"facet_{facet}"] = [facet_entry(value, label) for value, label in pairs]
    tags = [label for _value, label in document["facets"].get("tag", [])]
    if tags:
        solr_doc["tag_prefix"] = tags
    return solr_doc

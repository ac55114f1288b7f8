"""Reading the index: Solr finds and ranks, Amphi keeps what the request may see and counts facets.

Solr is asked for the ids, scores and stored facet values of every match on the
site (up to ``max_matches``); Amphi intersects them with
:func:`core.catalogue.search.searchable_ids`, drops :func:`core.catalogue.search.denied_ids`,
applies the facet filters and counts facets over what is left, so a video the
request may not see is never shown nor counted, whatever Solr answers. A video
the request may list but not watch (:func:`core.catalogue.search.locked_ids`) must match
on its title alone (Solr is asked again, on the title fields, for those) and
brings no facet. User
words reach Solr only as quoted letters and digits: no query syntax is possible.
"""

from __future__ import annotations

import logging

import pysolr

from core.models import Video
from core.plugin_api import (
    FacetCount,
    SearchQuery,
    SearchResults,
    _,
    denied_ids,
    fold_accents,
    locked_ids,
    search_words,
    searchable_ids,
    unique_ignoring_case,
    videos_in_order,
)
from plugins.search_solr.client import TEXT_SUFFIXES, TITLE_BOOST, connection, parse_facet_entry, solr_settings

log = logging.getLogger(__name__)
UNAVAILABLE = _("Search is unavailable for the moment; please try again later.")
QUERY_FIELDS = " ".join([f"title_{s}^{TITLE_BOOST}" for s in TEXT_SUFFIXES] + [f"body_{s}" for s in TEXT_SUFFIXES])
TITLE_FIELDS = " ".join(f"title_{s}^{TITLE_BOOST}" for s in TEXT_SUFFIXES)
WORD_PARAMS = {"defType": "edismax", "q.op": "AND", "mm": "100%"}
RELEVANCE_SORT = "score desc,sort_date desc,video_id desc"
DATE_SORT = "sort_date desc,video_id desc"
CHUNK = 500


def quoted(words: list[str]) -> str:
    return " ".join(f'"{word}"' for word in words)


def number(value) -> str:
    return "*" if value is None else repr(float(value))


def base_filters(request, query: SearchQuery | None = None) -> list[str]:
    """``fq``: the site, the ranges; with ``access_filter = amphi_and_solr`` the visible ids too."""
    filters = [f"site_id:{int(request.site.id)}"]
    if query is not None:
        if query.min_duration is not None or query.max_duration is not None:
            filters.append(f"duration:[{number(query.min_duration)} TO {number(query.max_duration)}]")
        if query.year_from is not None or query.year_to is not None:
            low = "*" if query.year_from is None else int(query.year_from)
            high = "*" if query.year_to is None else int(query.year_to)
            filters.append(f"year:[{low} TO {high}]")
    if solr_settings(request)["access_filter"] == "amphi_and_solr":
        ids = request.dbsession.scalars(searchable_ids(request)).all()
        filters.append("{!terms f=video_id}" + (",".join(str(i) for i in ids) or "0"))
    return filters


def visible_in_order(request, docs: list[dict]) -> list[dict]:
    """The documents of videos the request may find, in Solr's order (access decided here, never by Solr);
    those it may not watch marked ``locked``, without their facets."""
    ids = []
    for doc in docs:
        try:
            ids.append(int(doc["video_id"]))
        except (KeyError, TypeError, ValueError):
            continue
    visible: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        visible.update(
            request.dbsession.scalars(searchable_ids(request).where(Video.id.in_(ids[start : start + CHUNK])))
        )
    kept = [i for i in ids if i in visible]
    denied = denied_ids(request, kept)
    allowed = [i for i in kept if i not in denied]
    locked, allowed_set = locked_ids(request, allowed), set(allowed)
    seen, result = set(), []
    for doc in docs:
        video_id = _int(doc.get("video_id"))
        if video_id in allowed_set and video_id not in seen:
            seen.add(video_id)
            if video_id in locked:
                doc = {name: value for name, value in doc.items() if not name.startswith("facet_")} | {"locked": True}
            result.append({**doc, "video_id": video_id})
    return result


def title_matches_of_locked(request, solr, words: list[str], docs: list[dict], by_date: bool) -> list[dict]:
    """``docs`` less the locked ones whose title lacks a word; those kept are scored on their title
    alone (so what the visitor may not read never ranks them), and the whole re-sorted."""
    locked = [doc["video_id"] for doc in docs if doc.get("locked")]
    if not locked:
        return docs
    titled = solr.search(
        quoted(words),
        fq=[f"site_id:{int(request.site.id)}", "{!terms f=video_id}" + ",".join(str(i) for i in locked)],
        fl="video_id,score",
        rows=len(locked),
        qf=TITLE_FIELDS,
        **WORD_PARAMS,
    ).docs
    scores = {_int(doc.get("video_id")): doc.get("score", 0.0) for doc in titled}
    kept = [
        doc | {"score": scores[doc["video_id"]]} if doc.get("locked") else doc
        for doc in docs
        if not doc.get("locked") or doc["video_id"] in scores
    ]
    if not by_date:
        kept.sort(
            key=lambda d: (float(d.get("score") or 0.0), str(d.get("sort_date", "")), d["video_id"]), reverse=True
        )
    return kept


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def doc_facets(doc: dict) -> dict[str, dict[str, str]]:
    """``{facet: {value: label}}`` from the stored ``facet_*`` fields."""
    facets: dict[str, dict[str, str]] = {}
    for name, entries in doc.items():
        if not name.startswith("facet_"):
            continue
        for entry in entries if isinstance(entries, list) else [entries]:
            pair = parse_facet_entry(entry)
            if pair is not None:
                facets.setdefault(name.removeprefix("facet_"), {})[pair[0]] = pair[1]
    return facets


def passes(facets: dict[str, dict[str, str]], filters: dict[str, list[str]], skip: str | None = None) -> bool:
    return all(set(facets.get(facet, {})) & set(values) for facet, values in filters.items() if facet != skip)


def facet_counts(matches: list[dict[str, dict[str, str]]], filters: dict[str, list[str]]) -> dict:
    """Counts over the visible matches; a filtered facet is counted without its own filter."""
    counts: dict[str, dict[str, list]] = {}
    for facets in matches:
        for facet, values in facets.items():
            if not passes(facets, filters, skip=facet if facet in filters else None):
                continue
            for value, label in values.items():
                counts.setdefault(facet, {}).setdefault(value, [label, 0])[1] += 1
    return {
        facet: [FacetCount(value, label, count) for value, (label, count) in values.items()]
        for facet, values in counts.items()
    }


def search(request, query: SearchQuery) -> SearchResults | None:
    solr = connection(request)
    if solr is None:
        return None
    words = search_words(query.text)
    if query.text and not words:
        return SearchResults(videos=[], total=0, facets={}, query=query)
    params = {
        "fq": base_filters(request, query),
        "fl": "video_id,score,sort_date,facet_*",
        "rows": solr_settings(request)["max_matches"],
        "sort": DATE_SORT if query.by_date else RELEVANCE_SORT,
    }
    if words:
        params.update({"qf": QUERY_FIELDS, **WORD_PARAMS})
    try:
        docs = visible_in_order(request, solr.search(quoted(words) if words else "*:*", **params).docs)
        if words:
            docs = title_matches_of_locked(request, solr, words, docs, query.by_date)
    except (pysolr.SolrError, ValueError) as exc:
        log.error("search_solr: search failed on site %s: %s", request.site.slug, exc)
        return SearchResults(videos=[], total=0, facets={}, query=query, error=request.localizer.translate(UNAVAILABLE))
    ranged = any(
        bound is not None for bound in (query.min_duration, query.max_duration, query.year_from, query.year_to)
    )
    # A locked video's duration and year are not the visitor's to filter on.
    matches = [(doc["video_id"], doc_facets(doc)) for doc in docs if not (ranged and doc.get("locked"))]
    ids = [video_id for video_id, facets in matches if passes(facets, query.filters)]
    page = videos_in_order(request, ids[query.offset : query.offset + query.per_page])
    return SearchResults(
        videos=page, total=len(ids), facets=facet_counts([f for _i, f in matches], query.filters), query=query
    )


def suggest(request, prefix: str, limit: int) -> list[str] | None:
    """Titles whose words start as typed, then tags that do; only of videos the request may find."""
    solr = connection(request)
    if solr is None:
        return None
    words = search_words(prefix)
    if not words:
        return []
    every = " ".join(f'+"{word}"' for word in words)
    try:
        docs = solr.search(
            f"title_prefix:({every}) OR tag_prefix:({every})",
            fq=base_filters(request),
            fl="video_id,title,facet_tag,score",
            rows=max(50, limit * 10),
            sort=RELEVANCE_SORT,
        ).docs
    except (pysolr.SolrError, ValueError) as exc:
        log.error("search_solr: suggestions failed on site %s: %s", request.site.slug, exc)
        return []
    wanted = [fold_accents(word).lower() for word in words]
    folded_prefix = fold_accents(prefix).lower()
    titles, tags = [], {}
    for doc in visible_in_order(request, docs):
        title = str(doc.get("title") or "")
        title_words = [fold_accents(w).lower() for w in search_words(title)]
        if all(any(t.startswith(w) for t in title_words) for w in wanted):
            titles.append(title)
        for label in doc_facets(doc).get("tag", {}).values():
            if fold_accents(label).lower().startswith(folded_prefix):
                tags[label] = tags.get(label, 0) + 1
    ranked_tags = sorted(tags, key=lambda label: (-tags[label], label))
    return unique_ignoring_case(titles + ranked_tags)[:limit]

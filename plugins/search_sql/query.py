"""Reading the index: matches the request may see, ranked, with facet counts and suggestions.

User words are never handed to a query parser as they are: on SQLite each word
is quoted as an FTS5 string; on PostgreSQL the text goes through
``websearch_to_tsquery``, which accepts any input.
"""

from __future__ import annotations

import heapq
from array import array
from collections import Counter
from dataclasses import replace

from sqlalchemy import Float, Select, case, column, func, literal, literal_column, null, or_, select, table
from sqlalchemy.dialects.postgresql import TSQUERY

from core.models import Video, utcnow
from core.plugin_api import (
    FacetCount,
    SearchQuery,
    SearchResults,
    class_locked_condition,
    denied_ids,
    fold_accents,
    locked_condition,
    opens_locked_videos,
    plugins_may_deny,
    search_words,
    searchable_condition,
    unique_ignoring_case,
    videos_in_order,
    visibility_class,
)
from plugins.search_sql import cache, facets
from plugins.search_sql.models import FTS_TABLE, VECTOR_COLUMN, SearchDocument, SearchTerm

D, T = SearchDocument, SearchTerm
FTS = table(FTS_TABLE, column("rowid"))
FTS_NAME = literal_column(FTS_TABLE)  # the table as FTS5 functions and MATCH name it
PG_QUERY_CONFIGS = ("french", "english", "simple")
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0
SUGGESTED_FACETS = ("tag",)


def fts5_query(words: list[str], prefix_last: bool = False, column: str = "") -> str:
    """``["cours", "l'an"]`` -> ``"cours" "l'an"``: quoted strings, so no syntax error is possible."""
    quoted = ['"' + word.replace('"', '""') + '"' for word in words]
    if prefix_last and quoted:
        quoted[-1] += "*"
    expression = " ".join(quoted)
    return f"{column} : ({expression})" if column else expression


def regconfig(name: str):
    """A configuration as a constant (``'french'::regconfig``): a cast from a bound text is only
    stable, so PostgreSQL would rebuild the tsquery for every row instead of once."""
    assert name in PG_QUERY_CONFIGS
    return literal_column(f"'{name}'::regconfig")


def pg_tsquery(text: str):
    """websearch_to_tsquery in French, English and simple, OR-ed (a French document is stemmed in French)."""
    folded = fold_accents(text)
    parts = [func.websearch_to_tsquery(regconfig(config), folded) for config in PG_QUERY_CONFIGS]
    combined = parts[0]
    for part in parts[1:]:
        combined = combined.op("||", return_type=TSQUERY)(part)
    return combined


def matches(
    request, query: SearchQuery, skip_facet: str | None = None, scored: bool = True, visible=None, locked=None
) -> Select | None:
    """``(video_id, score, sort_date)`` of the visible matches; None when the text has no words.

    Not ``scored``, the score is 0 (counting needs no ranking, and SQLite's bm25 is the dearest part).
    ``visible``: a condition on ``Video`` instead of what the request may list (a class of visitors'),
    with ``locked``, the condition of those found by their title only (None: none); without
    ``visible``, the request's own (:func:`core.catalogue.listing.locked_condition`). A locked video never
    passes a facet filter or a range: its facets are not the visitor's to read.
    """
    words = search_words(query.text)
    if query.text and not words:
        return None
    if visible is None:
        visible, locked = searchable_condition(request), locked_condition(request)
    # Joined to the videos rather than `IN (visible ids)`: the cost follows the matches, not the catalogue.
    statement = select(D.video_id).join(Video, Video.id == D.video_id).where(D.site_id == request.site.id, visible)
    score = literal(0.0, Float)
    if words:
        statement, score = word_matches(request, statement, query.text, scored, locked)
    statement = statement.add_columns(score.label("score"), D.sort_date)
    narrowed = [
        D.video_id.in_(select(T.video_id).where(T.facet == facet, T.value.in_(values)))
        for facet, values in query.filters.items()
        if facet != skip_facet
    ]
    for bounded, low, high in (
        (D.duration, query.min_duration, query.max_duration),
        (D.year, query.year_from, query.year_to),
    ):
        narrowed += [bounded >= low] if low is not None else []
        narrowed += [bounded <= high] if high is not None else []
    if narrowed and locked is not None:
        narrowed.append(~locked)
    return statement.where(*narrowed)


def word_matches(request, statement: Select, text: str, scored: bool, locked) -> tuple[Select, object]:
    """``statement`` kept to the documents holding every word of ``text`` (a ``locked`` one: in its
    title), and their score (lower is better)."""
    words = search_words(text)
    if request.dbsession.bind.dialect.name == "sqlite":
        # The full-text table drives (once, materialised); joined the other way round SQLite would
        # probe it once per document.
        hits = fts_hits(words, scored, "fts_hits")
        statement = statement.join(hits, hits.c.video_id == D.video_id)
        if locked is None:
            return statement, hits.c.rank  # bm25: lower is better
        # A locked match must be among the title's hits: `IN` gets an index of them, a join would not.
        title_hits = fts_hits(words, scored, "fts_title_hits", column="title")
        statement = statement.where(or_(~locked, D.video_id.in_(select(title_hits.c.video_id))))
        title_rank = select(title_hits.c.rank).where(title_hits.c.video_id == D.video_id).scalar_subquery()
        return statement, case((locked, title_rank), else_=hits.c.rank)
    tsquery = pg_tsquery(text)
    vector = literal_column(f"search_sql_documents.{VECTOR_COLUMN}")
    statement = statement.where(vector.op("@@")(tsquery))
    if locked is not None:
        title = func.ts_filter(vector, literal_column("'{a}'"))  # the title's words (weight A) alone
        statement = statement.where(or_(~locked, title.op("@@")(tsquery)))
        vector = case((locked, title), else_=vector)
    # Negated: lower is better on both; ts_rank_cd costs 4x.
    return statement, -func.ts_rank(vector, tsquery) if scored else literal(0.0, Float)


def fts_hits(words: list[str], scored: bool, name: str, column: str = ""):
    """The FTS5 rows matching ``words`` (in ``column`` only, if given), with their bm25 rank, as a CTE."""
    rank = func.bm25(FTS_NAME, TITLE_WEIGHT, BODY_WEIGHT) if scored else literal(0.0, Float)
    return (
        select(FTS.c.rowid.label("video_id"), rank.label("rank"))
        .where(FTS_NAME.op("MATCH")(fts5_query(words, prefix_last=True, column=column)))
        .cte(name)
        .prefix_with("MATERIALIZED")
    )


def search(request, query: SearchQuery) -> SearchResults:
    visible, locked = searchable_condition(request), locked_condition(request)  # once: each may read the session's
    statement = matches(request, query, scored=not query.by_date, visible=visible, locked=locked)
    if statement is None:
        return SearchResults(videos=[], total=0, facets={}, query=query)
    order = [D.sort_date.desc(), D.video_id.desc()]
    if not query.by_date:
        order.insert(0, literal_column("score"))
    if not plugins_may_deny(request):
        # A visitor who may watch a password video their class may not finds more of it than the class.
        if cache.usable(request.dbsession) and not opens_locked_videos(request):
            return cached_search(request, query, statement, order)
        return search_in_sql(request, query, statement, order, visible, locked)
    # A plugin may deny any video: every match is checked before it is shown or counted.
    ids = list(request.dbsession.scalars(statement.order_by(*order)))
    denied = denied_ids(request, ids)
    ids = [i for i in ids if i not in denied]
    page = videos_in_order(request, ids[query.offset : query.offset + query.per_page])
    facet_counts = counts_in_sql(request, query, visible, locked, denied=denied)[1]
    return SearchResults(videos=page, total=len(ids), facets=facet_counts, query=query)


def search_in_sql(
    request, query: SearchQuery, statement: Select, order: list, visible=None, locked=None
) -> SearchResults:
    """The SQL rule is the whole rule (no plugin answers ``amphi_permits``): the database pages,
    counts and counts the facets; only a page of videos is loaded."""
    ids = list(request.dbsession.scalars(statement.order_by(*order).limit(query.per_page).offset(query.offset)))
    total, counts = counts_in_sql(request, query, visible, locked)
    return SearchResults(videos=videos_in_order(request, ids), total=total, facets=counts, query=query)


def cached_search(request, query: SearchQuery, statement: Select, order: list) -> SearchResults:
    """:func:`search_in_sql` through the facet cache (:mod:`plugins.search_sql.cache`): the counts and
    first ranked matches of the request's class of visitors, kept, plus the user's own part (kept
    with the set of their videos it was found for). A page beyond the ranked matches kept is
    asked of the database (``statement``, the request's matches)."""
    session, site_id = request.dbsession, request.site.id
    started = utcnow()  # before the conditions: a publication due after it ends the entry
    name, shared, candidates = visibility_class(request)
    key = (
        site_id,
        name,
        query.text,
        tuple(sorted((f, tuple(sorted(set(v)))) for f, v in query.filters.items())),
        query.min_duration,
        query.max_duration,
        query.year_from,
        query.year_to,
        query.by_date,
    )
    generation = cache.generation(session)
    if generation is None:
        return search_in_sql(request, query, statement, order)
    entry = cache.get(key, generation)
    if entry is None:
        entry = class_entry(
            request,
            query,
            order,
            (Video.site_id == site_id) & (Video.status == "ready") & shared,
            class_locked_condition(name),
            generation,
            cache.expiry(session, site_id, started),
        )
        cache.put(key, entry)
    end = query.offset + query.per_page
    kept = end <= len(entry.ids) or entry.complete
    ranked = (
        list(zip(entry.scores, (-date for date in entry.dates), (-i for i in entry.ids), strict=True)) if kept else []
    )
    total, counts = entry.total, {facet: list(values) for facet, values in entry.facets.items()}
    if candidates is not None:
        # The user's own part: which videos it holds is asked every time; what they match is kept with them.
        own = sorted(
            session.scalars(select(Video.id).where(searchable_condition(request), ~shared, Video.id.in_(candidates)))
        )
        if own:
            own_key = ("own", key, tuple(own))
            found = cache.get(own_key, generation)
            if found is None:
                found = cache.OwnPart(generation, entry.expires, *own_part(request, query, own))
                cache.put(own_key, found)
            ranked = list(heapq.merge(ranked, found.keys)) if kept else []
            total += found.total
            counts = added_counts(counts, found.facets)
    if kept:
        ids = [-negated_id for _score, _date, negated_id in ranked[query.offset : end]]
    else:
        ids = list(session.scalars(statement.order_by(*order).limit(query.per_page).offset(query.offset)))
    return SearchResults(videos=videos_in_order(request, ids), total=total, facets=counts, query=query)


def class_entry(
    request, query: SearchQuery, order: list, visible, locked, generation: int, expires: float
) -> cache.Entry:
    """What a class of visitors (``visible``, of which ``locked`` by title only) finds: the first
    ranked matches, the total and the facets."""
    statement = matches(request, query, scored=not query.by_date, visible=visible, locked=locked)
    rows = request.dbsession.execute(statement.order_by(*order).limit(cache.RANKED + 1)).all()
    total, counts = counts_in_sql(request, query, visible=visible, locked=locked)
    kept = rows[: cache.RANKED]
    return cache.Entry(
        generation=generation,
        expires=expires,
        total=total,
        facets={facet: tuple(values) for facet, values in counts.items()},
        ids=array("q", [row.video_id for row in kept]),
        scores=array("d", [float(row.score) for row in kept]),
        dates=array("d", [row.sort_date.timestamp() for row in kept]),
        complete=len(rows) == len(kept),
    )


def own_part(request, query: SearchQuery, own: list[int]) -> tuple[list[tuple], int, dict]:
    """The matches among ``own`` (what the user may list beyond their class): their sort keys in
    order, their number and their facet counts, with the facet filters applied here as SQL
    applies them (a filtered facet is counted without its own filter)."""
    session = request.dbsession
    unfiltered = replace(query, filters={})
    rows = session.execute(matches(request, unfiltered, scored=False, visible=Video.id.in_(own))).all()
    if rows and not query.by_date:  # ranked only when some match (SQLite ranks every match of the words)
        rows = session.execute(matches(request, unfiltered, visible=Video.id.in_([row.video_id for row in rows])))
        rows = rows.all()
    if not rows:
        return [], 0, {}
    terms: dict[int, dict[str, dict[str, str]]] = {row.video_id: {} for row in rows}
    for video_id, facet, value, label in session.execute(
        select(T.video_id, T.facet, T.value, T.label).where(T.video_id.in_(list(terms)))
    ):
        terms[video_id].setdefault(facet, {})[value] = label

    def passes(video_id: int, skip: str | None = None) -> bool:
        return all(
            set(values) & terms[video_id].get(facet, {}).keys()
            for facet, values in query.filters.items()
            if facet != skip
        )

    kept = [row for row in rows if passes(row.video_id)]
    counts: dict[str, dict[str, tuple[str, int]]] = {}
    for facet in {facet for video in terms.values() for facet in video}:
        for video_id in terms:
            if facet in terms[video_id] and passes(video_id, skip=facet if facet in query.filters else None):
                for value, label in terms[video_id][facet].items():
                    known, n = counts.setdefault(facet, {}).get(value, (label, 0))
                    counts[facet][value] = (min(known, label), n + 1)
    keys = sorted((float(row.score), -row.sort_date.timestamp(), -row.video_id) for row in kept)
    return keys, len(kept), counts


def added_counts(counts: dict[str, list[FacetCount]], extra: dict[str, dict[str, tuple[str, int]]]) -> dict:
    """The class's facet counts plus the user's own part's."""
    for facet, values in extra.items():
        merged = {c.value: (c.label, c.count) for c in counts.get(facet, [])}
        for value, (label, n) in values.items():
            known, count = merged.get(value, (label, 0))
            merged[value] = (min(known, label), count + n)
        counts[facet] = [FacetCount(value, label, n) for value, (label, n) in sorted(merged.items())]
    return counts


def counts_in_sql(
    request, query: SearchQuery, visible=None, locked=None, denied: frozenset[int] | set[int] = frozenset()
) -> tuple[int, dict[str, list[FacetCount]]]:
    """The number of visible matches (less ``denied``) and their facets' counts; a filtered facet is
    counted without its own filter (so its other values stay offered: language=fr or language=en).

    Each pass counts the matches' ``facet_terms`` (:func:`tallied_terms`): one value per match
    instead of a GROUP BY over an index entry per term.
    """
    if visible is None:
        visible, locked = searchable_condition(request), locked_condition(request)
    filtered = [facet for facet, values in query.filters.items() if values]
    total, tally = tallied_terms(request, query, None, visible, locked, denied)
    counts = {facet: values for facet, values in facets.facet_counts(tally).items() if facet not in filtered}
    for facet in filtered:
        counts.update(facets.facet_counts(tallied_terms(request, query, facet, visible, locked, denied)[1], only=facet))
    return total, counts


def tallied_terms(request, query: SearchQuery, skip_facet: str | None, visible, locked, denied) -> tuple[int, Counter]:
    """How many matches, and how many of them hold each term (a locked one holds none). PostgreSQL
    splits and counts the terms itself; on SQLite they are read (through the connection: no ORM
    rows) and counted here."""
    statement = matches(request, query, skip_facet=skip_facet, scored=False, visible=visible, locked=locked)
    terms = D.facet_terms if locked is None else case((locked, literal("")), else_=D.facet_terms)
    statement = statement.with_only_columns(D.video_id, terms.label("facet_terms"))
    if denied:
        statement = statement.where(D.video_id.not_in(denied))
    connection = request.dbsession.connection()
    if connection.dialect.name != "postgresql":
        rows = connection.execute(statement).all()
        return len(rows), facets.tally(terms for _video_id, terms in rows)
    hits = statement.cte("hits").prefix_with("MATERIALIZED")
    split = select(func.unnest(func.string_to_array(hits.c.facet_terms, facets.TERM)).label("term")).subquery()
    total = select(null().label("term"), func.count()).select_from(hits)
    per_term = select(split.c.term, func.count()).group_by(split.c.term)
    tally, count = Counter(), 0
    for term, n in connection.execute(total.union_all(per_term)):
        if term is None:
            count = n
        else:
            tally[term] = n
    return count, tally


def suggest(request, prefix: str, limit: int) -> list[str]:
    """Titles whose words start as typed, then facet labels (tags) that do."""
    words = search_words(prefix)
    if not words:
        return []
    statement = (
        select(D.video_id, D.title)
        .join(Video, Video.id == D.video_id)
        .where(D.site_id == request.site.id, searchable_condition(request))
    )
    if request.dbsession.bind.dialect.name == "sqlite":
        hits = fts_hits(words, True, "fts_title_hits", column="title")
        statement = statement.join(hits, hits.c.video_id == D.video_id).order_by(hits.c.rank)
    else:
        vector = literal_column(f"search_sql_documents.{VECTOR_COLUMN}")
        tsquery = title_prefix_tsquery(words)
        statement = statement.where(vector.op("@@")(tsquery)).order_by(func.ts_rank(vector, tsquery).desc())
    rows = request.dbsession.execute(statement.limit(limit * 2)).all()
    denied = denied_ids(request, [row.video_id for row in rows])
    titles = [row.title for row in rows if row.video_id not in denied]
    return unique_ignoring_case(titles + suggested_labels(request, prefix, limit, denied))[:limit]


def title_prefix_tsquery(words: list[str]):
    """``'cours' & 'intro':*`` restricted to the title (weight A), in each configuration, OR-ed."""
    folded = [fold_accents(word).replace("'", "") for word in words]
    expression = " & ".join(f"'{w}'" + (":*A" if i == len(folded) - 1 else ":A") for i, w in enumerate(folded))
    parts = [func.to_tsquery(regconfig(config), expression) for config in PG_QUERY_CONFIGS]
    combined = parts[0]
    for part in parts[1:]:
        combined = combined.op("||", return_type=TSQUERY)(part)
    return combined


def suggested_labels(request, prefix: str, limit: int, denied: set[int]) -> list[str]:
    pattern = prefix.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    statement = (
        select(T.label)
        .join(D, D.video_id == T.video_id)
        .join(Video, Video.id == T.video_id)
        .where(
            T.facet.in_(SUGGESTED_FACETS),
            D.site_id == request.site.id,
            searchable_condition(request),
            func.lower(T.label).like(pattern, escape="\\"),
        )
        .group_by(T.label)
        .order_by(func.count().desc(), T.label)
        .limit(limit)
    )
    if denied:
        statement = statement.where(T.video_id.not_in(denied))
    locked = locked_condition(request)
    if locked is not None:  # a locked video's tags are not the visitor's to read
        statement = statement.where(~locked)
    return list(request.dbsession.scalars(statement))

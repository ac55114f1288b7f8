"""Reading the index: matches the request may see, ranked, with facet counts and suggestions.

User words are never handed to a query parser as they are: on SQLite each word
is quoted as an FTS5 string; on PostgreSQL the text goes through
``websearch_to_tsquery``, which accepts any input.
"""

from __future__ import annotations

from sqlalchemy import Float, Select, cast, column, func, literal, literal_column, select, table, true
from sqlalchemy.dialects.postgresql import REGCONFIG, TSQUERY

from core.search import (
    FacetCount,
    SearchQuery,
    SearchResults,
    denied_ids,
    fold_accents,
    search_words,
    searchable_ids,
    videos_in_order,
)
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


def pg_tsquery(text: str):
    """websearch_to_tsquery in French, English and simple, OR-ed (a French document is stemmed in French)."""
    folded = fold_accents(text)
    parts = [func.websearch_to_tsquery(cast(literal(config), REGCONFIG), folded) for config in PG_QUERY_CONFIGS]
    combined = parts[0]
    for part in parts[1:]:
        combined = combined.op("||", return_type=TSQUERY)(part)
    return combined


def matches(request, query: SearchQuery, skip_facet: str | None = None) -> Select | None:
    """``(video_id, score, sort_date)`` of the visible matches; None when the text has no words."""
    words = search_words(query.text)
    if query.text and not words:
        return None
    dialect = request.dbsession.bind.dialect.name
    score = literal(0.0, Float)
    statement = select(D.video_id).where(D.site_id == request.site.id, D.video_id.in_(searchable_ids(request)))
    if words and dialect == "sqlite":
        # The full-text table drives (once, materialised); joined the other way round SQLite would
        # probe it once per document.
        hits = (select(FTS.c.rowid.label("video_id"), func.bm25(FTS_NAME, TITLE_WEIGHT, BODY_WEIGHT).label("rank"))
                .where(FTS_NAME.op("MATCH")(fts5_query(words, prefix_last=True)))
                .cte("fts_hits").prefix_with("MATERIALIZED"))
        statement = statement.join(hits, hits.c.video_id == D.video_id)
        score = hits.c.rank  # bm25: lower is better
    elif words:
        tsquery = pg_tsquery(query.text)
        vector = literal_column(f"search_sql_documents.{VECTOR_COLUMN}")
        statement = statement.where(vector.op("@@")(tsquery))
        score = -func.ts_rank_cd(vector, tsquery)  # negated: lower is better on both
    statement = statement.add_columns(score.label("score"), D.sort_date)
    for facet, values in query.filters.items():
        if facet != skip_facet:
            statement = statement.where(D.video_id.in_(
                select(T.video_id).where(T.facet == facet, T.value.in_(values))))
    for bounded, low, high in ((D.duration, query.min_duration, query.max_duration),
                               (D.year, query.year_from, query.year_to)):
        statement = statement.where(bounded >= low if low is not None else true(),
                                    bounded <= high if high is not None else true())
    return statement


def search(request, query: SearchQuery) -> SearchResults:
    statement = matches(request, query)
    if statement is None:
        return SearchResults(videos=[], total=0, facets={}, query=query)
    order = [D.sort_date.desc(), D.video_id.desc()]
    if not query.by_date:
        order.insert(0, literal_column("score"))
    ids = list(request.dbsession.scalars(statement.order_by(*order)))
    denied = denied_ids(request, ids)
    ids = [i for i in ids if i not in denied]
    page = videos_in_order(request, ids[query.offset:query.offset + query.per_page])
    return SearchResults(videos=page, total=len(ids), facets=facet_counts(request, query, denied), query=query)


def facet_counts(request, query: SearchQuery, denied: set[int]) -> dict[str, list[FacetCount]]:
    """Counts over the visible matches; a filtered facet is counted without its own filter
    (so its other values stay offered: language=fr or language=en)."""
    facets: dict[str, list[FacetCount]] = {}
    filtered = [facet for facet, values in query.filters.items() if values]
    for skip in [None, *filtered]:
        # Materialised: the planner would otherwise run the full-text match once per term row.
        hits = matches(request, query, skip_facet=skip).with_only_columns(D.video_id).cte("hits")
        hits = hits.prefix_with("MATERIALIZED")
        statement = select(T.facet, T.value, func.min(T.label), func.count()).where(
            T.video_id.in_(select(hits.c.video_id)))
        if denied:
            statement = statement.where(T.video_id.not_in(denied))
        if skip is not None:
            statement = statement.where(T.facet == skip)
        for facet, value, label, count in request.dbsession.execute(statement.group_by(T.facet, T.value)):
            if skip is None and facet in filtered:
                continue  # counted by its own query
            facets.setdefault(facet, []).append(FacetCount(value, label or value, count))
    return facets


def suggest(request, prefix: str, limit: int) -> list[str]:
    """Titles whose words start as typed, then facet labels (tags) that do."""
    words = search_words(prefix)
    if not words:
        return []
    visible = select(D.video_id).where(D.site_id == request.site.id, D.video_id.in_(searchable_ids(request)))
    statement = select(D.video_id, D.title).where(D.video_id.in_(visible))
    if request.dbsession.bind.dialect.name == "sqlite":
        hits = (select(FTS.c.rowid.label("video_id"), func.bm25(FTS_NAME).label("rank"))
                .where(FTS_NAME.op("MATCH")(fts5_query(words, prefix_last=True, column="title")))
                .cte("fts_title_hits").prefix_with("MATERIALIZED"))
        statement = statement.join(hits, hits.c.video_id == D.video_id).order_by(hits.c.rank)
    else:
        vector = literal_column(f"search_sql_documents.{VECTOR_COLUMN}")
        tsquery = title_prefix_tsquery(words)
        statement = statement.where(vector.op("@@")(tsquery)).order_by(func.ts_rank_cd(vector, tsquery).desc())
    rows = request.dbsession.execute(statement.limit(limit * 2)).all()
    denied = denied_ids(request, [row.video_id for row in rows])
    titles = [row.title for row in rows if row.video_id not in denied]
    return _unique(titles + suggested_labels(request, visible, prefix, limit, denied))[:limit]


def title_prefix_tsquery(words: list[str]):
    """``'cours' & 'intro':*`` restricted to the title (weight A), in each configuration, OR-ed."""
    folded = [fold_accents(word).replace("'", "") for word in words]
    expression = " & ".join(f"'{w}'" + (":*A" if i == len(folded) - 1 else ":A") for i, w in enumerate(folded))
    parts = [func.to_tsquery(cast(literal(config), REGCONFIG), expression) for config in PG_QUERY_CONFIGS]
    combined = parts[0]
    for part in parts[1:]:
        combined = combined.op("||", return_type=TSQUERY)(part)
    return combined


def suggested_labels(request, visible, prefix: str, limit: int, denied: set[int]) -> list[str]:
    pattern = prefix.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    statement = (select(T.label).where(T.facet.in_(SUGGESTED_FACETS), T.video_id.in_(visible),
                                       func.lower(T.label).like(pattern, escape="\\"))
                 .group_by(T.label).order_by(func.count().desc(), T.label).limit(limit))
    if denied:
        statement = statement.where(T.video_id.not_in(denied))
    return list(request.dbsession.scalars(statement))


def _unique(items: list[str]) -> list[str]:
    seen, kept = set(), []
    for item in items:
        if item.lower() not in seen:
            seen.add(item.lower())
            kept.append(item)
    return kept


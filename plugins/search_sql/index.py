"""Writing the index: one video at a time (video events) or a whole site (``amphi search reindex``).

Both go through :func:`write_documents`, which writes a batch of documents with one
executemany per table; PostgreSQL computes each tsvector in the INSERT itself.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, insert, select, text
from sqlalchemy.orm import selectinload

from core.models import Theme, UTCDateTime, Video
from core.plugin_api import fold_accents, search_document
from plugins.search_sql import facets
from plugins.search_sql.models import FTS_TABLE, VECTOR_COLUMN, SearchDocument, SearchTerm

#: PostgreSQL text-search configuration of a video's language; others use 'simple'.
PG_CONFIGS = {"fr": "french", "en": "english"}
#: Videos loaded, documented and written at once by a reindex.
BATCH = 1000
#: What :func:`core.catalogue.search.search_document` reads of a video, loaded with the batch.
DOCUMENT_LOADS = (
    selectinload(Video.owner),
    selectinload(Video.additional_owners),
    selectinload(Video.tags),
    selectinload(Video.type),
    selectinload(Video.disciplines),
    selectinload(Video.channels),
    selectinload(Video.themes).selectinload(Theme.channel),
)
# Accents folded on both sides: 'eleve' finds 'élève' without the unaccent extension. The words
# are also kept as they are ('simple'): a language's stop words and stems never hide a title word.
PG_INSERT = text(
    "INSERT INTO search_sql_documents (video_id, site_id, language, year, duration, sort_date, title, body, "
    f"facet_terms, {VECTOR_COLUMN}) VALUES (:video_id, :site_id, :language, :year, :duration, :sort_date, :title, "
    ":body, :facet_terms, "
    "setweight(to_tsvector(CAST(:config AS regconfig), :folded_title) || to_tsvector('simple', :folded_title), 'A')"
    " || setweight(to_tsvector(CAST(:config AS regconfig), :folded_body) || to_tsvector('simple', :folded_body),"
    " 'B'))"
).bindparams(bindparam("sort_date", type_=UTCDateTime()))
FTS_INSERT = text(f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (:video_id, :title, :body)")


def pg_config(language: str) -> str:
    return PG_CONFIGS.get((language or "").split("-")[0].lower(), "simple")


def index_video(request, video: Video) -> bool:
    """Index a ready video of the request's site (else forget it); return whether it is indexed."""
    if video is None:
        return False
    if video.status != "ready" or video.site_id != request.site.id:
        forget_videos(request, [video.id])
        return False
    forget_videos(request, [video.id])
    write_documents(request, [search_document(request, video)])
    return True


def write_documents(request, documents: list[dict]) -> None:
    """Insert the documents (their ids must not be indexed yet): rows, facet terms and words."""
    if not documents:
        return
    session = request.dbsession
    terms = [
        [
            {"video_id": d["video_id"], "facet": facet, "value": value[:200], "label": label[:200]}
            for facet, pairs in d["facets"].items()
            for value, label in pairs
        ]
        for d in documents
    ]
    rows = [
        {
            "video_id": d["video_id"],
            "site_id": d["site_id"],
            "language": d["language"][:10],
            "year": d["year"],
            "duration": d["duration"],
            "sort_date": d["date"],
            "title": d["title"],
            "body": "\n".join(value for value in d["text"].values() if value),
            "facet_terms": facets.encode((t["facet"], t["value"], t["label"]) for t in own),
        }
        for d, own in zip(documents, terms, strict=True)
    ]
    if session.bind.dialect.name == "sqlite":
        session.execute(insert(SearchDocument), rows)
        session.execute(FTS_INSERT, [{"video_id": r["video_id"], "title": r["title"], "body": r["body"]} for r in rows])
    else:
        session.flush()
        session.execute(
            PG_INSERT,
            [
                {
                    **r,
                    "config": pg_config(r["language"]),
                    "folded_title": fold_accents(r["title"]),
                    "folded_body": fold_accents(r["body"]),
                }
                for r in rows
            ],
        )
    if any(terms):
        session.execute(insert(SearchTerm), [term for own in terms for term in own])


def forget_video(request, video_id: int) -> None:
    forget_videos(request, [video_id])


def forget_videos(request, video_ids: list[int]) -> None:
    """Remove these videos from the index."""
    session = request.dbsession
    session.execute(delete(SearchTerm).where(SearchTerm.video_id.in_(video_ids)))
    session.execute(delete(SearchDocument).where(SearchDocument.video_id.in_(video_ids)))
    if session.bind.dialect.name == "sqlite":
        session.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({','.join(str(int(i)) for i in video_ids)})"))


def clear_site(request) -> None:
    """Remove every document of the request's site (and any orphan FTS row)."""
    session = request.dbsession
    site_id = request.site.id
    indexed = select(SearchDocument.video_id).where(SearchDocument.site_id == site_id)
    if session.bind.dialect.name == "sqlite":
        session.execute(
            text(
                f"DELETE FROM {FTS_TABLE} WHERE rowid IN "
                "(SELECT video_id FROM search_sql_documents WHERE site_id = :site_id) "
                "OR rowid NOT IN (SELECT video_id FROM search_sql_documents)"
            ),
            {"site_id": site_id},
        )
    session.execute(delete(SearchTerm).where(SearchTerm.video_id.in_(indexed)))
    session.execute(delete(SearchDocument).where(SearchDocument.site_id == site_id))


def reindex_site(request) -> int:
    """Rebuild the request's site's index from its ready videos, a batch at a time, in the
    request's transaction; return how many are indexed."""
    session = request.dbsession
    clear_site(request)
    count, last = 0, 0
    while True:
        videos = session.scalars(
            select(Video)
            .where(Video.site_id == request.site.id, Video.status == "ready", Video.id > last)
            .order_by(Video.id)
            .limit(BATCH)
            .options(*DOCUMENT_LOADS)
        ).all()
        if not videos:
            # Fresh statistics for the planner (autovacuum would gather them later): without them
            # PostgreSQL may scan the videos for a word that matches nothing.
            session.execute(text("ANALYZE search_sql_documents"))
            session.execute(text("ANALYZE search_sql_terms"))
            return count
        write_documents(request, [search_document(request, video) for video in videos])
        count, last = count + len(videos), videos[-1].id

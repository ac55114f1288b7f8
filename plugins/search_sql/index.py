"""Writing the index: one video at a time (video events) or a whole site (``amphi search reindex``)."""

from __future__ import annotations

from sqlalchemy import delete, select, text

from core.models import Video
from core.search import fold_accents, search_document
from plugins.search_sql.models import FTS_TABLE, VECTOR_COLUMN, SearchDocument, SearchTerm

#: PostgreSQL text-search configuration of a video's language; others use 'simple'.
PG_CONFIGS = {"fr": "french", "en": "english"}


def pg_config(language: str) -> str:
    return PG_CONFIGS.get((language or "").split("-")[0].lower(), "simple")


def index_video(request, video: Video) -> bool:
    """Index a ready video of the request's site (else forget it); return whether it is indexed."""
    if video is None:
        return False
    if video.status != "ready" or video.site_id != request.site.id:
        forget_video(request, video.id)
        return False
    write_document(request, search_document(request, video))
    return True


def write_document(request, document: dict) -> None:
    session = request.dbsession
    video_id = document["video_id"]
    body = "\n".join(value for value in document["text"].values() if value)
    row = session.get(SearchDocument, video_id) or SearchDocument(video_id=video_id)
    row.site_id, row.language, row.year = document["site_id"], document["language"][:10], document["year"]
    row.duration, row.sort_date, row.title, row.body = document["duration"], document["date"], document["title"], body
    session.add(row)
    session.execute(delete(SearchTerm).where(SearchTerm.video_id == video_id))
    session.add_all(SearchTerm(video_id=video_id, facet=facet, value=value[:200], label=label[:200])
                    for facet, pairs in document["facets"].items() for value, label in pairs)
    session.flush()
    write_words(session, video_id, document["title"], body, document["language"])


def write_words(session, video_id: int, title: str, body: str, language: str) -> None:
    """The dialect's full-text part of a document."""
    if session.bind.dialect.name == "sqlite":
        session.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid = :id"), {"id": video_id})
        session.execute(text(f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (:id, :title, :body)"),
                        {"id": video_id, "title": title, "body": body})
    else:
        # Accents folded on both sides: 'eleve' finds 'élève' without the unaccent extension. The words
        # are also kept as they are ('simple'): a language's stop words and stems never hide a title word.
        session.execute(text(
            f"UPDATE search_sql_documents SET {VECTOR_COLUMN} = "
            "setweight(to_tsvector(CAST(:config AS regconfig), :title) || to_tsvector('simple', :title), 'A') || "
            "setweight(to_tsvector(CAST(:config AS regconfig), :body) || to_tsvector('simple', :body), 'B') "
            "WHERE video_id = :id"
        ), {"id": video_id, "config": pg_config(language), "title": fold_accents(title), "body": fold_accents(body)})


def forget_video(request, video_id: int) -> None:
    session = request.dbsession
    session.execute(delete(SearchTerm).where(SearchTerm.video_id == video_id))
    session.execute(delete(SearchDocument).where(SearchDocument.video_id == video_id))
    if session.bind.dialect.name == "sqlite":
        session.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid = :id"), {"id": video_id})


def reindex_site(request) -> int:
    """Rebuild the request's site's index from its ready videos; return how many are indexed."""
    session = request.dbsession
    site_id = request.site.id
    indexed = select(SearchDocument.video_id).where(SearchDocument.site_id == site_id)
    if session.bind.dialect.name == "sqlite":
        session.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid IN "
                             "(SELECT video_id FROM search_sql_documents WHERE site_id = :site_id) "
                             "OR rowid NOT IN (SELECT video_id FROM search_sql_documents)"), {"site_id": site_id})
    session.execute(delete(SearchTerm).where(SearchTerm.video_id.in_(indexed)))
    session.execute(delete(SearchDocument).where(SearchDocument.site_id == site_id))
    count = 0
    ids = session.scalars(select(Video.id).where(Video.site_id == site_id, Video.status == "ready")
                          .order_by(Video.id)).all()
    for start in range(0, len(ids), 200):
        for video in session.scalars(select(Video).where(Video.id.in_(ids[start:start + 200]))):
            count += index_video(request, video)
    return count

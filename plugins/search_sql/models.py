"""The index tables: one document per ready video, its facet terms, and the dialect's full-text part.

SQLite keeps the words in an FTS5 virtual table (``search_sql_fts``, rowid =
video id); PostgreSQL in a ``tsvector`` column of the documents with a GIN
index. Both are created by the migration, not described here (see
:func:`core.models.meta.declare_unmanaged`).
"""

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, UTCDateTime
from core.models.meta import declare_unmanaged

FTS_TABLE = "search_sql_fts"
FTS_SHADOW_TABLES = tuple(f"{FTS_TABLE}_{suffix}" for suffix in ("data", "idx", "content", "docsize", "config"))
VECTOR_COLUMN = "search_vector"
VECTOR_INDEX = "ix_search_sql_documents_search_vector"

declare_unmanaged(FTS_TABLE, *FTS_SHADOW_TABLES, f"search_sql_documents.{VECTOR_COLUMN}", VECTOR_INDEX)


class SearchDocument(Base):
    """What is searched and sorted of a video (only ready videos have one)."""

    __tablename__ = "search_sql_documents"

    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(10), default="")
    year: Mapped[int | None] = mapped_column(Integer)
    duration: Mapped[float | None] = mapped_column(Float)
    sort_date: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    title: Mapped[str] = mapped_column(String(250))
    body: Mapped[str] = mapped_column(Text, default="")
    #: The facet terms again, in one value (plugins.search_sql.facets): what the counts read.
    facet_terms: Mapped[str] = mapped_column(Text, default="", server_default="")


class SearchTerm(Base):
    """A facet value of a video (``language=fr``, ``year=2026``, ``tag=...``), counted on the search page."""

    __tablename__ = "search_sql_terms"
    __table_args__ = (Index("ix_search_sql_terms_facet_value", "facet", "value"),)

    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True)
    facet: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)
    label: Mapped[str] = mapped_column(String(200), default="")

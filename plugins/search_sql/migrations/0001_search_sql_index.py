"""search_sql index: documents, facet terms, and the dialect's full-text part

Revision ID: 0001_search_sql
Revises:
Create Date: 2026-11-29 02:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_search_sql"
down_revision = None
branch_labels = ("search_sql",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "search_sql_documents",
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("sort_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(length=250), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_search_sql_documents_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["videos.id"], name=op.f("fk_search_sql_documents_video_id_videos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("video_id", name=op.f("pk_search_sql_documents")),
    )
    op.create_index(op.f("ix_search_sql_documents_site_id"), "search_sql_documents", ["site_id"], unique=False)
    op.create_index(op.f("ix_search_sql_documents_sort_date"), "search_sql_documents", ["sort_date"], unique=False)
    op.create_table(
        "search_sql_terms",
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("facet", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["video_id"], ["videos.id"], name=op.f("fk_search_sql_terms_video_id_videos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("video_id", "facet", "value", name=op.f("pk_search_sql_terms")),
    )
    op.create_index("ix_search_sql_terms_facet_value", "search_sql_terms", ["facet", "value"], unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":  # rowid = video id; 'eleve' finds 'élève'
        op.execute(
            "CREATE VIRTUAL TABLE search_sql_fts USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2')"
        )
    elif dialect == "postgresql":  # filled with the video's language configuration
        op.execute("ALTER TABLE search_sql_documents ADD COLUMN search_vector tsvector")
        op.execute(
            "CREATE INDEX ix_search_sql_documents_search_vector ON search_sql_documents USING gin (search_vector)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_sql_fts")
    op.drop_index("ix_search_sql_terms_facet_value", table_name="search_sql_terms")
    op.drop_table("search_sql_terms")
    op.drop_index(op.f("ix_search_sql_documents_sort_date"), table_name="search_sql_documents")
    op.drop_index(op.f("ix_search_sql_documents_site_id"), table_name="search_sql_documents")
    op.drop_table("search_sql_documents")

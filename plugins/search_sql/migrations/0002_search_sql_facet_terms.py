"""search_sql: the facet terms of a document in one column (what the counts read)

Revision ID: 0002_search_sql_facet_terms
Revises: 0001_search_sql
Create Date: 2026-11-29 09:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_search_sql_facet_terms"
down_revision = "0001_search_sql"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("search_sql_documents", sa.Column("facet_terms", sa.Text(), server_default="", nullable=False))
    fill_facet_terms(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("search_sql_documents") as batch:
        batch.drop_column("facet_terms")


def fill_facet_terms(connection) -> None:
    """The column of the documents already indexed, from their terms, a thousand at a time."""
    from plugins.search_sql.facets import encode

    last = 0
    while True:
        ids = (
            connection.execute(
                sa.text(
                    "SELECT video_id FROM search_sql_documents WHERE video_id > :last ORDER BY video_id LIMIT 1000"
                ),
                {"last": last},
            )
            .scalars()
            .all()
        )
        if not ids:
            connection.execute(sa.text("ANALYZE search_sql_documents"))  # every row was rewritten
            return
        terms: dict[int, list] = {video_id: [] for video_id in ids}
        rows = connection.execute(
            sa.text(
                "SELECT video_id, facet, value, label FROM search_sql_terms "
                "WHERE video_id >= :first AND video_id <= :last "
                "ORDER BY video_id, facet, value"
            ),
            {"first": ids[0], "last": ids[-1]},
        )
        for video_id, facet, value, label in rows:
            if video_id in terms:
                terms[video_id].append((facet, value, label))
        connection.execute(
            sa.text("UPDATE search_sql_documents SET facet_terms = :terms WHERE video_id = :id"),
            [{"id": video_id, "terms": encode(own)} for video_id, own in terms.items() if own],
        )
        last = ids[-1]

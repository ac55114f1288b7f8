"""the content generation of the anonymous page cache

Revision ID: 0007_core
Revises: 0008_core
Create Date: 2026-11-29 09:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_core"
down_revision = "0008_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "cache_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cache_generation")),
    )
    op.bulk_insert(table, [{"id": 1, "value": 0}])


def downgrade() -> None:
    op.drop_table("cache_generation")

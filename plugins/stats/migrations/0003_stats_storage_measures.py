"""stats: measures of each site's storage (every stored byte, by part)

Revision ID: 0003_stats
Revises: 0002_stats
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_stats"
down_revision = "0002_stats"
branch_labels = None
depends_on = None

PARTS = ("originals", "outputs", "tracks", "uploads", "other", "files")


def upgrade() -> None:
    op.create_table(
        "stats_storage_measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        *(sa.Column(part, sa.BigInteger(), nullable=False) for part in PARTS),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_stats_storage_measures_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_storage_measures")),
        sqlite_autoincrement=True,  # ids never reused (0002_stats)
    )
    with op.batch_alter_table("stats_storage_measures", schema=None) as batch_op:
        batch_op.create_index("ix_stats_storage_measures_site_measured", ["site_id", "measured_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stats_storage_measures", schema=None) as batch_op:
        batch_op.drop_index("ix_stats_storage_measures_site_measured")
    op.drop_table("stats_storage_measures")

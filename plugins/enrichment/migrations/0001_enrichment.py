"""enrichments table

Revision ID: 0001_enrichment
Revises:
Create Date: 2026-11-29 05:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_enrichment"
down_revision = None
branch_labels = ("enrichment",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "enrichments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("start_ms", sa.Integer(), nullable=False),
        sa.Column("end_ms", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("file_key", sa.String(length=500), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("target_video_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_enrichments_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["target_video_id"], ["videos.id"], name=op.f("fk_enrichments_target_video_id_videos"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["videos.id"], name=op.f("fk_enrichments_video_id_videos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrichments")),
    )
    with op.batch_alter_table("enrichments", schema=None) as batch_op:
        batch_op.create_index("ix_enrichments_video_start", ["video_id", "start_ms"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrichments_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrichments_target_video_id"), ["target_video_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("enrichments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrichments_target_video_id"))
        batch_op.drop_index(batch_op.f("ix_enrichments_site_id"))
        batch_op.drop_index("ix_enrichments_video_start")
    op.drop_table("enrichments")
